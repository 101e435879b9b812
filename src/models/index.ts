/** antorcha/models: model architectures (torchvision-compatible layouts build on this entry point). */
export {};

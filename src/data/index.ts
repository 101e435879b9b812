/** antorcha/data: datasets, loaders and transforms (the image and text pipelines build on this entry point). */
export {};

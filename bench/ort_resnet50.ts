/**
 * The onnxruntime-node side of bench/resnet50.ts, in a process of its own (onnxruntime's thread pool spins
 * between runs and would steal the cores from the other sides): ResNet-50 exported by torch.onnx.export,
 * batch 8, 224×224, eval images/s. Arguments: MODEL.onnx THREADS STEPS; prints one JSON line.
 */
import * as ort from 'onnxruntime-node';

async function main(): Promise<void> {
  const [file, threadsArg, stepsArg] = process.argv.slice(2);
  const threads = Number(threadsArg), steps = Number(stepsArg);
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const data = new Float32Array(8 * 3 * 224 * 224);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, [8, 3, 224, 224]) };
  await session.run(feeds);
  const start = performance.now();
  for (let i = 0; i < steps; i++) await session.run(feeds);
  const seconds = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ infer: (steps * 8) / seconds }));
  await session.release();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

/**
 * Child process of the crash test: overwrites the checkpoint at argv[2] again and again with a large
 * state dict (argv[3] MiB of float32), until it is killed. Each version records its number in `epoch`
 * and fills every tensor with that number, so the parent can tell a complete file from a torn one.
 */
import * as torch from '../../src/index.js';
import { save } from '../../src/io/index.js';

const path = process.argv[2];
const mib = Number(process.argv[3] ?? 64);
const pieces = 16;
const per = Math.floor((mib * 1024 * 1024) / 4 / pieces);
for (let version = 1; ; version++) {
  torch.tidy(() => {
    const model: Record<string, torch.Tensor> = {};
    for (let i = 0; i < pieces; i++) model[`layer${i}.weight`] = torch.full([per], version);
    process.stdout.write(`writing ${version}\n`);
    save({ model, epoch: version }, path);
  });
}

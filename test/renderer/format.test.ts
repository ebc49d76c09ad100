// Formatting helpers and keyboard-target classification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename, count, duration, eta, fixed2, percent, rate, shape } from '../../src-renderer/lib/format.js';
import { isTyping } from '../../src-renderer/lib/keys.js';
import { formatClass, parseClass } from '../../src-renderer/lib/classQuery.js';

test('numbers', () => {
  assert.equal(percent(0.4567), '45.7 %');
  assert.equal(percent(null), '–');
  assert.equal(percent(NaN), '–');
  assert.equal(fixed2(0.5), '0.50');
  assert.equal(count(10_000), '10\u202f000');
  assert.equal(count(999), '999');
  assert.equal(shape([2048, 7, 7]), '2048 × 7 × 7');
  assert.equal(basename('/data/val/a.JPEG'), 'a.JPEG');
  assert.equal(basename('C:\\data\\b.png'), 'b.png');
});

test('durations, ETA and rates', () => {
  assert.equal(duration(950), '950 ms');
  assert.equal(duration(4_200), '4.2 s');
  assert.equal(duration(61_000), '1 min 01 s');
  assert.equal(duration(3_723_000), '1 h 02 min');
  assert.equal(duration(null), '–');
  assert.equal(eta(0.4), '< 1 s');
  assert.equal(eta(Infinity), '–');
  assert.equal(eta(90), '1 min 30 s');
  assert.equal(rate(45.52), '45.5 img/s');
  assert.equal(rate(163.2), '163 img/s');
  assert.equal(rate(0), '–');
});

test('isTyping: text fields keep every key, sliders their arrows, buttons Enter and Space', () => {
  const at = (tagName: string, key: string, type?: string) => isTyping({ key, target: { tagName, type } as unknown as EventTarget });
  assert.ok(at('INPUT', 'a', 'text'));
  assert.ok(at('INPUT', 'ArrowLeft', 'number'));
  assert.ok(at('TEXTAREA', 'x'));
  assert.ok(at('SELECT', 'ArrowDown'));
  assert.ok(at('INPUT', 'ArrowRight', 'range'));
  assert.ok(!at('INPUT', 'c', 'range'));
  assert.ok(at('BUTTON', 'Enter'));
  assert.ok(!at('BUTTON', 'ArrowRight'));
  assert.ok(!at('DIV', 'Enter'));
  assert.ok(!isTyping({ key: 'a', target: null }));
});

test('class fields accept an index, "name (index)", an exact or unique-prefix name', () => {
  const labels = new Map([
    [281, 'tabby cat'],
    [282, 'tiger cat'],
    [207, 'golden retriever'],
  ]);
  assert.equal(parseClass('', labels), null);
  assert.equal(parseClass(' 281 ', labels), 281);
  assert.equal(parseClass('tabby cat (281)', labels), 281);
  assert.equal(parseClass('Golden Retriever', labels), 207);
  assert.equal(parseClass('gold', labels), 207);
  assert.equal(parseClass('t', labels), undefined, 'ambiguous prefix');
  assert.equal(parseClass('zebra', labels), undefined);
  assert.equal(formatClass(281, labels), 'tabby cat (281)');
  assert.equal(formatClass(5, labels), '5');
  assert.equal(formatClass(null, labels), '');
});

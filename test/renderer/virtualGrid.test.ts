// Gallery geometry and cursor movement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gridLayout, scrollToRow, visibleRange } from '../../src-renderer/lib/virtualGrid.js';
import { isNavKey, moveCursor } from '../../src-renderer/lib/gridNav.js';

test('gridLayout fits as many minimum-width cells as possible and stretches them', () => {
  assert.deepEqual(gridLayout(1000, 150, 10, 40), { columns: 6, cellWidth: 158, rowHeight: 208 });
  assert.equal(gridLayout(100, 150, 10, 40).columns, 1, 'never fewer than one column');
});

test('visibleRange covers the viewport plus overscan and clamps to the item count', () => {
  const layout = { columns: 5, cellWidth: 100, rowHeight: 100 };
  assert.deepEqual(visibleRange(0, 250, layout, 10_000, 1), { firstRow: 0, endRow: 4, start: 0, end: 20 });
  assert.deepEqual(visibleRange(1000, 250, layout, 10_000, 1), { firstRow: 9, endRow: 14, start: 45, end: 70 });
  assert.deepEqual(visibleRange(0, 900, layout, 12, 2), { firstRow: 0, endRow: 3, start: 0, end: 12 });
  assert.deepEqual(visibleRange(0, 900, layout, 0, 2), { firstRow: 0, endRow: 0, start: 0, end: 0 });
});

test('scrollToRow moves the least needed to show a row', () => {
  assert.equal(scrollToRow(0, 300, 400, 100), 0);
  assert.equal(scrollToRow(4, 0, 400, 100), 100);
  assert.equal(scrollToRow(2, 100, 400, 100), 100, 'already visible');
});

test('moveCursor: arrows by one or a row, pages, ends; never wraps or leaves the grid', () => {
  const cols = 4,
    total = 10;
  assert.equal(moveCursor(-1, 'ArrowRight', cols, total), 0, 'first key lands on the first item');
  assert.equal(moveCursor(0, 'ArrowLeft', cols, total), 0);
  assert.equal(moveCursor(3, 'ArrowRight', cols, total), 4);
  assert.equal(moveCursor(1, 'ArrowDown', cols, total), 5);
  assert.equal(moveCursor(6, 'ArrowDown', cols, total), 9, 'down from a row above the ragged last row lands on the last item');
  assert.equal(moveCursor(9, 'ArrowRight', cols, total), 9);
  assert.equal(moveCursor(2, 'ArrowUp', cols, total), 2, 'up from the first row stays');
  assert.equal(moveCursor(9, 'PageUp', cols, total, 2), 1, 'page up past the top keeps the column');
  assert.equal(moveCursor(0, 'PageDown', cols, total, 2), 8);
  assert.equal(moveCursor(5, 'End', cols, total), 9);
  assert.equal(moveCursor(5, 'Home', cols, total), 0);
  assert.equal(moveCursor(3, 'ArrowDown', cols, 0), -1, 'no items, no cursor');
  assert.ok(isNavKey('PageDown') && !isNavKey('Enter'));
});

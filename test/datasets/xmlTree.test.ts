// The annotation XML reader: elements, text with entities and CDATA, line numbers, malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { child, childText, parseXml } from '../../src-main/datasets/xmlTree.js';

test('elements, attributes skipped, entities, CDATA, comments and line numbers', () => {
  const root = parseXml(
    '<?xml version="1.0"?>\n<!-- c -->\n<annotation verified="no">\n  <name>a &amp; b &#x41;&#66;</name>\n  <note><![CDATA[<raw>]]></note>\n  <empty/>\n</annotation>\n',
  );
  assert.equal(root.name, 'annotation');
  assert.deepEqual(
    root.children.map((c) => [c.name, c.line]),
    [
      ['name', 4],
      ['note', 5],
      ['empty', 6],
    ],
  );
  assert.equal(childText(root, 'name'), 'a & b AB');
  assert.equal(childText(root, 'note'), '<raw>');
  assert.equal(child(root, 'empty')!.children.length, 0);
  assert.equal(childText(root, 'missing'), undefined);
});

test('malformed XML is an error saying where', () => {
  assert.throws(() => parseXml('<a>\n<b></a>'), /^Error: <\/a> at line 2 closes <b>$/);
  assert.throws(() => parseXml('<a>\n<b>'), /<b> is never closed/);
  assert.throws(() => parseXml('<a></a><b></b>'), /more than one root element/);
  assert.throws(() => parseXml('just text'), /no root element/);
  assert.throws(() => parseXml('<a>\n\n< b></a>'), /unexpected '<' at line 3/);
});

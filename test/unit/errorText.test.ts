// The shared errorText: what every error path shows for a thrown value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorText } from '../../src/core/util/errorText';

describe('errorText', () => {
  it('shows an Error by its message, without the class name or stack', () => {
    assert.equal(errorText(new TypeError('bad input')), 'bad input');
  });
  it('shows anything else thrown as text', () => {
    assert.equal(errorText('plain'), 'plain');
    assert.equal(errorText(42), '42');
    assert.equal(errorText(undefined), 'undefined');
    assert.equal(errorText({ toString: () => 'custom' }), 'custom');
  });
});

import { createHash } from 'node:crypto';
import { countWords, descriptionChecksum } from '../src/items/item-digest';

describe('countWords', () => {
  it('counts the words of title and description together', () => {
    expect(countWords('Buy milk', 'two litres, semi-skimmed')).toBe(5);
  });

  it('treats any run of whitespace (tabs, newlines, unicode spaces) as one separator', () => {
    expect(countWords('  a\tb ', '\n c\u00a0d  \r\n e ')).toBe(5);
  });

  it('counts only the title when there is no description', () => {
    expect(countWords('one two three', null)).toBe(3);
  });

  it('is 0 for blank text', () => {
    expect(countWords('   ', '\n')).toBe(0);
  });
});

describe('descriptionChecksum', () => {
  it('is the hex SHA-256 of the description', () => {
    expect(descriptionChecksum('hello')).toBe(
      '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    );
  });

  it('hashes the empty string when there is no description', () => {
    expect(descriptionChecksum(null)).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('hashes the UTF-8 bytes', () => {
    expect(descriptionChecksum('café ☕')).toBe(
      createHash('sha256').update(Buffer.from('café ☕', 'utf8')).digest('hex'),
    );
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(`${root}docs/SECURITY.md`, 'utf8');

/** Every proof of the document: a linked test file and the test names quoted after it (“...”), line by line. */
function proofs(text: string): { file: string; name: string }[] {
  const found: { file: string; name: string }[] = [];
  for (const line of text.split('\n')) {
    const parts = line.split(/\[`([^`]+)`\]\([^)]*\)/);
    // parts: [before, file1, after1, file2, after2, ...]
    for (let i = 1; i < parts.length; i += 2) {
      for (const match of (parts[i + 1] ?? '').matchAll(/“([^”]+)”/g)) found.push({ file: parts[i]!, name: match[1]! });
    }
  }
  return found;
}

describe('docs/SECURITY.md', () => {
  const all = proofs(doc);

  it('names at least one test for every threat', () => {
    const threats = doc.split('\n### ').slice(1);
    expect(threats.length).toBeGreaterThanOrEqual(7);
    for (const threat of threats) expect(proofs(threat).length, threat.split('\n')[0]).toBeGreaterThan(0);
  });

  it.each(all.map(({ file, name }) => [file, name]))('%s contains the test it quotes: %s', (file, name) => {
    expect(existsSync(`${root}${file}`)).toBe(true);
    expect(readFileSync(`${root}${file}`, 'utf8')).toContain(name);
  });
});

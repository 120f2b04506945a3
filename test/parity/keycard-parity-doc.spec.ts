import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// docs/keycard-parity.md quotes code verbatim: each `<!-- recipe: NAME -->` marker is followed by a ```ts
// block equal to the dedented `// #region NAME` of a test file under test/parity/.
const docFile = new URL('../../docs/keycard-parity.md', import.meta.url);
const parityDir = new URL('./', import.meta.url);

function dedent(text: string): string {
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)![0].length));
  return lines.map((line) => line.slice(indent)).join('\n');
}

function regions(): Map<string, string> {
  const found = new Map<string, string>();
  for (const name of readdirSync(parityDir).filter((file) => file.endsWith('.ts'))) {
    const source = readFileSync(new URL(name, parityDir), 'utf8');
    for (const match of source.matchAll(/^[ \t]*\/\/ #region ([\w-]+)\n([\s\S]*?)\n[ \t]*\/\/ #endregion \1$/gm)) {
      found.set(match[1]!, dedent(match[2]!));
    }
  }
  return found;
}

describe('docs/keycard-parity.md', () => {
  const doc = readFileSync(docFile, 'utf8');
  const code = regions();
  const quoted = [...doc.matchAll(/<!-- recipe: ([\w-]+) -->\n```ts\n([\s\S]*?)\n```/g)].map((m) => [m[1]!, m[2]!] as const);

  it('has a recipe marker before every ts block, and quotes every parity recipe', () => {
    expect((doc.match(/```ts\n/g) ?? []).length).toBe(quoted.length);
    expect(quoted.map(([name]) => name)).toEqual(expect.arrayContaining(['parity-retryable', 'parity-impersonation', 'parity-stacked', 'parity-zones']));
  });

  it.each(quoted)('quotes %s verbatim', (name, block) => {
    expect(code.get(name)).toBe(block);
  });
});

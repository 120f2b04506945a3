import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// README.md ("Testing your server") quotes the recipe tests verbatim: each `<!-- recipe: name -->` marker is
// followed by a ```ts block equal to the `#region name` of the recipe file (dedented).
const recipesFile = new URL('./readme-recipes.e2e-spec.ts', import.meta.url);
const docsFile = new URL('../../README.md', import.meta.url);

function dedent(text: string): string {
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)![0].length));
  return lines.map((line) => line.slice(indent)).join('\n');
}

function regions(source: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of source.matchAll(/^[ \t]*\/\/ #region ([\w-]+)\n([\s\S]*?)\n[ \t]*\/\/ #endregion \1$/gm)) {
    found.set(match[1]!, dedent(match[2]!));
  }
  return found;
}

function quotes(docs: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of docs.matchAll(/<!-- recipe: ([\w-]+) -->\n```ts\n([\s\S]*?)\n```/g)) {
    found.set(match[1]!, match[2]!);
  }
  return found;
}

describe('README.md testing recipes', () => {
  const code = regions(readFileSync(recipesFile, 'utf8'));
  const docs = quotes(readFileSync(docsFile, 'utf8'));

  it('finds the recipes on both sides', () => {
    expect([...code.keys()]).toEqual(
      expect.arrayContaining(['server', 'connect', 'default-token', 'custom-token', 'resource-tokens', 'error', 'fake-user', 'local-zone']),
    );
    expect([...docs.keys()].sort()).toEqual([...code.keys()].sort());
  });

  it.each([...regions(readFileSync(recipesFile, 'utf8')).keys()])('quotes the %s recipe verbatim', (name) => {
    expect(docs.get(name)).toBe(code.get(name));
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every code block of README.md and docs/**/*.md is compiled or run by a test:
// - a ```ts block is preceded by `<!-- recipe: NAME -->` and equals, dedented, the region
//   `// #region NAME` … `// #endregion NAME` of a file under test/ (region names are unique);
// - a block of any language preceded by `<!-- file: PATH -->` equals that repository file.
// Shell transcripts and output go in ```console / ```text / ```bash blocks.
const root = join(import.meta.dirname, '..', '..');

function files(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : files(path, keep);
    return keep(entry.name) ? [path] : [];
  });
}

function dedent(text: string): string {
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)![0].length));
  return lines.map((line) => line.slice(indent)).join('\n');
}

interface Region {
  readonly file: string;
  readonly code: string;
}

/** Regions of every TypeScript file under test/, and the names defined more than once. */
function collectRegions(): { regions: Map<string, Region>; duplicates: string[] } {
  const regions = new Map<string, Region>();
  const duplicates: string[] = [];
  for (const path of files(join(root, 'test'), (name) => /\.[cm]?[jt]s$/.test(name))) {
    const file = relative(root, path);
    const source = readFileSync(path, 'utf8');
    for (const match of source.matchAll(/^[ \t]*\/\/ #region ([\w-]+)\n([\s\S]*?)\n[ \t]*\/\/ #endregion \1$/gm)) {
      const name = match[1]!;
      const previous = regions.get(name);
      if (previous) duplicates.push(`region "${name}" is defined in ${previous.file} and in ${file}`);
      else regions.set(name, { file, code: dedent(match[2]!) });
    }
  }
  return { regions, duplicates };
}

interface Block {
  readonly doc: string;
  readonly line: number;
  readonly lang: string;
  readonly body: string;
  /** The HTML comment on the line before the fence, if any. */
  readonly marker: string | undefined;
}

function blocksOf(path: string): Block[] {
  const doc = relative(root, path);
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!;
    let end = i + 1;
    while (end < lines.length && lines[end]!.trim() !== '```') end++;
    const body = lines
      .slice(i + 1, end)
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join('\n');
    const marker = /^\s*<!-- (.+?) -->\s*$/.exec(lines[i - 1] ?? '')?.[1];
    blocks.push({ doc, line: i + 1, lang: open[2]!, body, marker });
    i = end;
  }
  return blocks;
}

const docs = [join(root, 'README.md'), ...files(join(root, 'docs'), (name) => name.endsWith('.md'))];
const blocks = docs.flatMap(blocksOf);
const { regions, duplicates } = collectRegions();

/** What is wrong with a block, or undefined when it is in sync. */
function problem(block: Block): string | undefined {
  const where = `${block.doc}:${block.line}`;
  const recipe = /^recipe: ([\w-]+)$/.exec(block.marker ?? '')?.[1];
  const file = /^file: (\S+)$/.exec(block.marker ?? '')?.[1];
  if (file !== undefined) {
    let content: string;
    try {
      content = readFileSync(join(root, file), 'utf8');
    } catch {
      return `${where}: quotes ${file}, which does not exist`;
    }
    return content.trimEnd() === block.body.trimEnd() ? undefined : `${where}: differs from ${file}`;
  }
  if (block.lang !== 'ts' && block.lang !== 'typescript') return undefined;
  if (recipe === undefined) return `${where}: a \`\`\`ts block without a <!-- recipe: NAME --> line before it`;
  const region = regions.get(recipe);
  if (!region) return `${where}: recipe "${recipe}" has no // #region ${recipe} in any file under test/`;
  return region.code === block.body ? undefined : `${where}: recipe "${recipe}" differs from its region in ${region.file}`;
}

describe('code blocks of README.md and docs/', () => {
  it('finds the docs, their recipes and the regions', () => {
    expect(docs.map((path) => relative(root, path))).toEqual(expect.arrayContaining(['README.md', join('docs', 'testing.md')]));
    expect(blocks.filter((block) => block.marker?.startsWith('recipe: ')).length).toBeGreaterThanOrEqual(8);
    expect(regions.has('server')).toBe(true);
  });

  it('defines each region name once', () => {
    expect(duplicates).toEqual([]);
  });

  it('quotes a test region before every ```ts block, and every quoted file, verbatim', () => {
    expect(blocks.map(problem).filter((found) => found !== undefined)).toEqual([]);
  });

  it('quotes the complete server in README.md', () => {
    const readme = blocks.filter((block) => block.doc === 'README.md' && block.marker === 'recipe: server');
    expect(readme).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { promptPhrases, runDeterministicChecks, type CheckContext, type CheckResult, type Draft } from '../../src/orchestrator/checks/checks.js';
import type { OpenAIToolDefinition } from '../../src/types/openai.js';

const draft = (content: string, toolCalls: Draft['toolCalls'] = []): Draft => ({ content, toolCalls });
const run = (content: string, context: CheckContext = {}) => runDeterministicChecks(draft(content), context);
const named = (results: CheckResult[], name: CheckResult['name']) => {
  const found = results.find((result) => result.name === name);
  if (found === undefined) throw new Error(`no ${name} check in ${results.map((result) => result.name).join(', ')}`);
  return found;
};
const fence = (language: string, code: string) => `\`\`\`${language}\n${code}\n\`\`\``;

const weatherTool: OpenAIToolDefinition = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  },
};
const timeTool: OpenAIToolDefinition = { type: 'function', function: { name: 'get_time' } };

describe('runDeterministicChecks', () => {
  describe('empty_answer', () => {
    it('always runs, and is the only check for plain prose', () => {
      expect(run('Paris is the capital of France.')).toEqual([{ name: 'empty_answer', passed: true, issues: [] }]);
    });

    it('fails on blank content without tool calls', () => {
      expect(run('  \n\t')).toEqual([{ name: 'empty_answer', passed: false, issues: ['The answer is empty.'] }]);
    });

    it('passes on blank content with a tool call', () => {
      const results = runDeterministicChecks(draft('', [{ name: 'get_time', arguments: '{}' }]), { tools: [timeTool] });
      expect(named(results, 'empty_answer').passed).toBe(true);
    });
  });

  describe('json_object', () => {
    const context: CheckContext = { responseFormat: { type: 'json_object' } };

    it('passes a JSON object, and tolerates a ```json fence around the whole answer', () => {
      expect(named(run('{"a": 1}', context), 'json_object')).toMatchObject({ passed: true, detail: { fenced: false } });
      expect(named(run('```json\n{"a": 1}\n```\n', context), 'json_object')).toMatchObject({ passed: true, detail: { fenced: true } });
      expect(named(run('```\n{"a": 1}\n```', context), 'json_object').passed).toBe(true);
    });

    it('fails on invalid JSON and on JSON that is not an object', () => {
      const invalid = named(run('{"a": 1,}', context), 'json_object');
      expect(invalid.passed).toBe(false);
      expect(invalid.issues[0]).toMatch(/^The answer is not valid JSON: /);
      expect(invalid.issues[0]).not.toContain('{"a"');
      expect(named(run('[1, 2]', context), 'json_object').issues).toEqual(['The answer must be a JSON object, but it is an array.']);
      expect(named(run('Sure! {"a": 1}', context), 'json_object').passed).toBe(false);
    });

    it('does not apply to a turn that only calls tools', () => {
      const results = runDeterministicChecks(draft('', [{ name: 'get_time', arguments: '{}' }]), { ...context, tools: [timeTool] });
      expect(results.map((result) => result.name)).toEqual(['empty_answer', 'tool_arguments']);
    });
  });

  describe('json_schema', () => {
    const schema = { type: 'object', properties: { age: { type: 'integer' } }, required: ['name', 'age'] };
    const context: CheckContext = { responseFormat: { type: 'json_schema', json_schema: { name: 'person', schema } } };

    it('passes a matching answer, fenced or not', () => {
      expect(named(run('{"name": "Ada", "age": 36}', context), 'json_schema').passed).toBe(true);
      expect(named(run('```json\n{"name": "Ada", "age": 36}\n```', context), 'json_schema').passed).toBe(true);
    });

    it('lists each schema issue with the prefix', () => {
      expect(named(run('{"age": "old"}', context), 'json_schema')).toMatchObject({
        passed: false,
        issues: [
          'The answer does not match the requested schema: $: missing required property "name"',
          'The answer does not match the requested schema: $.age: expected integer, got string',
        ],
        detail: { fenced: false, schemaIssues: 2 },
      });
    });

    it('fails on invalid JSON', () => {
      expect(named(run('not json', context), 'json_schema').issues[0]).toMatch(/^The answer is not valid JSON/);
    });

    it('without a schema still requires JSON', () => {
      const loose: CheckContext = { responseFormat: { type: 'json_schema', json_schema: { name: 'any' } } };
      expect(named(run('[1]', loose), 'json_schema').passed).toBe(true);
      expect(named(run('nope', loose), 'json_schema').passed).toBe(false);
    });
  });

  describe('tool_arguments', () => {
    const context: CheckContext = { tools: [weatherTool, timeTool] };
    const calls = (...toolCalls: Draft['toolCalls']) => named(runDeterministicChecks(draft('', toolCalls), context), 'tool_arguments');

    it('passes valid calls', () => {
      expect(calls({ name: 'get_weather', arguments: '{"city": "Oslo"}' }, { name: 'get_time', arguments: '{}' })).toEqual({
        name: 'tool_arguments',
        passed: true,
        issues: [],
        detail: { calls: 2 },
      });
    });

    it('names an unknown tool and lists the available ones', () => {
      expect(calls({ name: 'get_news', arguments: '{}' }).issues).toEqual([
        'Tool call 1 ("get_news") names an unknown tool; the available tools are "get_weather", "get_time".',
      ]);
      const none = runDeterministicChecks(draft('', [{ name: 'x', arguments: '{}' }]), {});
      expect(named(none, 'tool_arguments').issues).toEqual(['Tool call 1 ("x") names an unknown tool; the available tools are none.']);
    });

    it('requires the arguments to be a JSON object', () => {
      expect(calls({ name: 'get_time', arguments: '{oops' }).issues[0]).toMatch(/^Tool call 1 \("get_time"\) has arguments that are not valid JSON: /);
      expect(calls({ name: 'get_time', arguments: '[]' }).issues).toEqual(['Tool call 1 ("get_time") must have a JSON object as arguments, but they are an array.']);
    });

    it("checks the arguments against the tool's parameters", () => {
      expect(calls({ name: 'get_time', arguments: '{}' }, { name: 'get_weather', arguments: '{"town": "Oslo"}' }).issues).toEqual([
        'Tool call 2 ("get_weather") has arguments that do not match the tool\'s parameters: $: missing required property "city"',
        'Tool call 2 ("get_weather") has arguments that do not match the tool\'s parameters: $: unexpected property "town"',
      ]);
    });

    it('does not apply without tool calls', () => {
      expect(run('hello', context).map((result) => result.name)).toEqual(['empty_answer']);
    });
  });

  describe('fenced_json', () => {
    it('parses every ```json block', () => {
      const content = `Here:\n${fence('json', '{"a": 1}')}\nand\n${fence('json', '{"b": 2,\n "c": }')}`;
      const result = named(run(content), 'fenced_json');
      expect(result).toMatchObject({ passed: false, detail: { blocks: 2, failed: 1 } });
      expect(result.issues).toHaveLength(1);
      expect(result.issues[0]).toMatch(/^JSON block 2 does not parse: /);
    });

    it('does not apply when a response format asks for JSON, nor without json blocks', () => {
      const content = `x\n${fence('json', '{')}`;
      expect(run(content, { responseFormat: { type: 'json_object' } }).map((result) => result.name)).toEqual(['empty_answer', 'json_object']);
      expect(run(content, { responseFormat: { type: 'text' } }).map((result) => result.name)).toEqual(['empty_answer', 'fenced_json']);
      expect(run(fence('python', 'x = {')).map((result) => result.name)).toEqual(['empty_answer']);
    });

    it('reads an unclosed fence to the end of the content', () => {
      expect(named(run('Start:\n```json\n{"a": [1, 2'), 'fenced_json').passed).toBe(false);
      expect(named(run('Start:\n```json\n{"a": [1, 2]}'), 'fenced_json').passed).toBe(true);
    });
  });

  describe('fenced_javascript', () => {
    const javascript = (content: string) => named(run(content), 'fenced_javascript');

    it('compiles each block of every JavaScript language tag', () => {
      const content = ['js', 'javascript', 'mjs', 'cjs', 'JS'].map((language) => fence(language, 'const x = 1;')).join('\nText\n');
      expect(javascript(content)).toMatchObject({ passed: true, issues: [], detail: { blocks: 5, failed: 0 } });
    });

    it('skips jsx, typescript and other languages', () => {
      const content = [fence('jsx', 'const a = <div/>;'), fence('ts', 'let a: number = 1;'), fence('typescript', 'type A = 1;'), fence('tsx', '<a/>')].join('\n');
      expect(run(content).map((result) => result.name)).toEqual(['empty_answer']);
    });

    it('names the block and the line inside it of a syntax error', () => {
      const content = `${fence('js', 'ok();')}\n\n${fence('js', 'function f() {\n  return 1;\n}}\n')}`;
      expect(javascript(content)).toMatchObject({
        passed: false,
        issues: ["JavaScript block 2 does not compile: Unexpected token '}' (line 3)"],
        detail: { blocks: 2, failed: 1 },
      });
    });

    it('compiles code that would throw, exit or loop forever, without running it', () => {
      const content = [fence('js', 'while (true) {}'), fence('js', 'process.exit(1);'), fence('js', 'throw new Error("boom");')].join('\n');
      expect(javascript(content).passed).toBe(true);
    });

    it('never runs a block, script or module', () => {
      const marker = '__rlmChecksTestRan';
      const content = [
        fence('js', `globalThis.${marker} = 'script';`),
        fence('js', `import 'x';\nglobalThis.${marker} = 'module';`),
        fence('js', `await null;\nglobalThis.${marker} = 'awaiting module';`),
      ].join('\n');
      expect(javascript(content)).toMatchObject({ passed: true, detail: { blocks: 3, modules: 2 } });
      expect(Reflect.get(globalThis, marker)).toBeUndefined();
    });

    it('accepts ES module code and checks it as a module', () => {
      const module = [
        "#!/usr/bin/env node",
        "import fs from 'node:fs';",
        "import { join,",
        "  resolve as resolvePath } from 'node:path';",
        "import './side-effect.js';",
        "export const root = join(import.meta.dirname ?? '.', 'x');",
        'export function read(file) { return fs.readFileSync(resolvePath(root, file), "utf8"); }',
        'export default { read };',
        "export { read as load };",
        "export * from './other.js';",
        'const data = await Promise.resolve(1);',
      ].join('\n');
      expect(javascript(fence('js', module))).toMatchObject({ passed: true, detail: { blocks: 1, modules: 1 } });
      expect(javascript(fence('mjs', 'export default class extends Error {}'))).toMatchObject({ passed: true, detail: { modules: 1 } });
    });

    it('reports a syntax error in a module with its line', () => {
      const module = "import x from 'x';\n\nexport const y = x +;\n";
      expect(javascript(fence('js', module)).issues).toEqual(["JavaScript block 1 does not compile: Unexpected token ';' (line 3)"]);
    });

    it('holds a module to strict mode', () => {
      expect(javascript(fence('mjs', 'with (Math) { max(1, 2); }')).issues[0]).toMatch(/with statement \(line 1\)$/);
    });

    it('reads an unclosed fence to the end and dedents a block inside a list', () => {
      expect(javascript('Try:\n```js\nconst a = [1, 2\n').issues[0]).toMatch(/^JavaScript block 1 does not compile: /);
      expect(javascript('1. Step:\n   ```js\n   export const a = 1;\n   ```\n').passed).toBe(true);
    });

    it('keeps a fence of four backticks open across an inner three-backtick line', () => {
      const content = '````js\n/*\n```\n*/\nconst a = 1;\n````';
      expect(javascript(content).passed).toBe(true);
    });
  });

  it('returns the applicable checks in the fixed order', () => {
    const content = `${fence('js', 'a();')}`;
    const results = runDeterministicChecks(draft(content, [{ name: 'get_time', arguments: '{}' }]), {
      responseFormat: { type: 'json_object' },
      tools: [timeTool],
    });
    expect(results.map((result) => result.name)).toEqual(['empty_answer', 'json_object', 'tool_arguments', 'fenced_javascript']);
  });
});

describe('prompt_echo', () => {
  const openings = promptPhrases('You are revising a draft answer that a reviewer rejected. Fix it.\nThe conversation (the last message is the request):\n{{conversation}}');
  it('rejects a draft that repeats the pipeline prompt, and is absent otherwise', () => {
    const echoed = runDeterministicChecks({ content: "Here's the revised version:\n\nThe conversation (the last message\nis the request): …", toolCalls: [] }, { promptPhrases: openings });
    expect(echoed.find((check) => check.name === 'prompt_echo')).toMatchObject({ passed: false, issues: [expect.stringContaining('repeats the pipeline')] });
    const clean = runDeterministicChecks({ content: 'Paris.', toolCalls: [] }, { promptPhrases: openings });
    expect(clean.map((check) => check.name)).not.toContain('prompt_echo');
  });

  it("promptPhrases takes a template's sentences and headings, placeholders cut out, short ones left", () => {
    expect(openings).toEqual(['You are revising a draft answer that a reviewer rejected.', 'The conversation (the last message is the request):']);
  });
});

import { FrugalError } from '../core/errors.js';
import type { SafimLang } from './safim-data.js';
import {
  createSandboxDir,
  DEFAULT_COMPILE_LIMITS,
  DEFAULT_RUN_LIMITS,
  runSandboxed,
  type SandboxLimits,
} from './sandbox.js';
import { findNodes, getParser, withTree } from './tree-sitter.js';

/** How one language's program is laid out, compiled and run inside the sandbox. */
export interface BuildPlan {
  files: Record<string, string>;
  compile?: string[];
  run: string[];
  runLimits: SandboxLimits;
}

// The JVM reserves address space far beyond its heap; the heap cap (-Xmx) is the real memory limit.
const JVM_FLAGS = ['-XX:+UseSerialGC', '-XX:ReservedCodeCacheSize=64m', '-XX:CompressedClassSpaceSize=64m'];
const JVM_RUN_LIMITS: SandboxLimits = { ...DEFAULT_RUN_LIMITS, memoryBytes: 3 * 1024 ** 3, maxProcs: 128 };

// Judges define ONLINE_JUDGE (solutions read files instead of stdin without it), and their older
// compilers let <climits> arrive through other headers, which GCC 12 no longer does.
const JUDGE_CPP_FLAGS = ['-DONLINE_JUDGE', '-include', 'climits'];
// The reference solutions were written for PyPy; CPython is several times slower on loops.
const PYTHON_RUN_LIMITS: SandboxLimits = { ...DEFAULT_RUN_LIMITS, cpuSeconds: 15, wallMs: 40_000 };

/** Build commands per language (GNU C++17, Java 17, Mono C#, CPython 3 as available here). */
export async function planBuild(lang: SafimLang, program: string): Promise<BuildPlan> {
  switch (lang) {
    case 'python':
      return { files: { 'main.py': program }, run: ['python3', 'main.py'], runLimits: PYTHON_RUN_LIMITS };
    case 'cpp':
      return {
        files: { 'main.cpp': program },
        compile: ['g++', '-std=gnu++17', '-O2', '-pipe', '-w', ...JUDGE_CPP_FLAGS, '-o', 'prog', 'main.cpp'],
        run: ['./prog'],
        runLimits: DEFAULT_RUN_LIMITS,
      };
    case 'java': {
      const { fileName, mainClass } = await javaNames(program);
      return {
        files: { [fileName]: program },
        compile: [
          'javac',
          '-J-Xmx512m',
          ...JVM_FLAGS.map((f) => `-J${f}`),
          '-encoding',
          'UTF-8',
          '-nowarn',
          fileName,
        ],
        run: ['java', '-Xmx512m', '-Xss64m', '-DONLINE_JUDGE=true', ...JVM_FLAGS, '-cp', '.', mainClass],
        runLimits: JVM_RUN_LIMITS,
      };
    }
    case 'csharp':
      return {
        files: { 'main.cs': program },
        compile: [
          'mcs',
          '-langversion:experimental',
          '-optimize+',
          '-nowarn:0,1,2,3,4',
          '-out:prog.exe',
          'main.cs',
        ],
        run: ['mono', 'prog.exe'],
        runLimits: DEFAULT_RUN_LIMITS,
      };
  }
}

/**
 * Java needs the file named after its public class and the class that holds `main`; both are read
 * off the syntax tree (regexes trip over comments and nested classes).
 */
export async function javaNames(program: string): Promise<{ fileName: string; mainClass: string }> {
  const parser = await getParser('java');
  return withTree(parser, program, (tree) => {
    const classes = tree.rootNode.namedChildren.filter((n) => n?.type === 'class_declaration');
    let publicName: string | undefined;
    let mainClass: string | undefined;
    for (const c of classes) {
      if (!c) continue;
      const name = c.childForFieldName('name')?.text;
      if (!name) continue;
      const modifiers = c.namedChildren.find((n) => n?.type === 'modifiers')?.text ?? '';
      if (/\bpublic\b/.test(modifiers)) publicName = name;
      const body = c.childForFieldName('body');
      const hasMain =
        body !== null &&
        findNodes(
          body,
          (n) => n.type === 'method_declaration' && n.childForFieldName('name')?.text === 'main',
        ).length > 0;
      if (hasMain && mainClass === undefined) mainClass = name;
    }
    mainClass ??= publicName ?? 'Main';
    return { fileName: `${publicName ?? mainClass}.java`, mainClass };
  });
}

const PROBES: Record<SafimLang, string> = {
  python: 'print(int(input()) * 2)\n',
  cpp: '#include <cstdio>\nint main(){int x; std::scanf("%d",&x); std::printf("%d\\n", x*2);}\n',
  java: 'public class Main { public static void main(String[] a) { System.out.println(new java.util.Scanner(System.in).nextInt() * 2); } }\n',
  csharp:
    'class P { static void Main() { System.Console.WriteLine(int.Parse(System.Console.ReadLine()) * 2); } }\n',
};

const probed = new Map<SafimLang, Promise<string | undefined>>();

/**
 * Whether `lang` can be compiled and run here, found by running a tiny program through the same
 * sandbox. Resolves to undefined when it works, else to the reason it does not.
 */
export function toolchainProblem(lang: SafimLang): Promise<string | undefined> {
  let p = probed.get(lang);
  if (!p) {
    p = (async () => {
      const plan = await planBuild(lang, PROBES[lang]);
      const dir = createSandboxDir(plan.files);
      try {
        if (plan.compile) {
          const c = await runSandboxed(dir, plan.compile, DEFAULT_COMPILE_LIMITS);
          if (c.exitCode !== 0)
            return `${plan.compile[0]} failed: ${(c.stderr || c.stdout).slice(0, 200).trim()}`;
        }
        const r = await runSandboxed(dir, plan.run, plan.runLimits, '21\n');
        if (r.exitCode !== 0 || r.stdout.trim() !== '42')
          return `${plan.run[0]} failed: ${(r.stderr || r.stdout).slice(0, 200).trim()}`;
        return undefined;
      } finally {
        dir.remove();
      }
    })();
    probed.set(lang, p);
  }
  return p;
}

/** Throws a FrugalError when `lang` has no working toolchain (for callers that require one). */
export async function requireToolchain(lang: SafimLang): Promise<void> {
  const problem = await toolchainProblem(lang);
  if (problem)
    throw new FrugalError('E_BACKEND', `no working ${lang} toolchain: ${problem}`, {
      hint: 'run scripts/setup-toolchains.sh (as root) to install what this machine can',
    });
}

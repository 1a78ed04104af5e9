import type { SafimLang, SafimSplit } from './safim-data.js';

/** One worked example per split and language, in the data's prompt format, for one-shot prompts. */
export interface Shot {
  prompt: string;
  answer: string;
}

const TASK = `Description: For each of $$$t$$$ pairs of integers $$$a$$$ and $$$b$$$, print the larger one.

Input Specification: The first line holds $$$t$$$ ($$$1 \\le t \\le 100$$$). Each of the next $$$t$$$ lines holds two integers $$$a$$$ and $$$b$$$ ($$$-10^9 \\le a, b \\le 10^9$$$).

Output Specification: Print $$$t$$$ lines, the larger number of each pair.`;

const problem = (lang: SafimLang, code: string) =>
  `Complete the code in ${lang} to solve this programming problem:\n\n${TASK}\n\nCode:\n\n${code}`;
const api = (lang: SafimLang, code: string) => `Complete the code in ${lang}:\n\n${code}`;

const C = '/* TODO: Your code here */';
const P = '# TODO: Your code here';

const javaMain = (body: string) =>
  `import java.util.Scanner;\n\npublic class Main {\n    public static void main(String[] args) {\n        Scanner in = new Scanner(System.in);\n        int t = in.nextInt();\n        for (int i = 0; i < t; i++) {\n${body}        }\n    }\n}\n`;
const cppMain = (body: string) =>
  `#include <iostream>\nusing namespace std;\n\nint main() {\n    int t;\n    cin >> t;\n    for (int i = 0; i < t; i++) {\n${body}    }\n    return 0;\n}\n`;
const csMain = (body: string) =>
  `using System;\n\nclass Program {\n    static void Main() {\n        int t = int.Parse(Console.ReadLine());\n        for (int i = 0; i < t; i++) {\n${body}        }\n    }\n}\n`;

export const ONE_SHOT: Record<SafimSplit, Record<SafimLang, Shot>> = {
  block: {
    python: {
      prompt: problem('python', `t = int(input())\nfor _ in range(t):\n    ${P}\n`),
      answer: 'a, b = map(int, input().split())\n    print(max(a, b))',
    },
    java: {
      prompt: problem('java', javaMain(`            ${C}\n`)),
      answer: 'long a = in.nextLong(), b = in.nextLong();\n            System.out.println(Math.max(a, b));',
    },
    cpp: {
      prompt: problem('cpp', cppMain(`        ${C}\n`)),
      answer: 'long long a, b;\n        cin >> a >> b;\n        cout << max(a, b) << "\\n";',
    },
    csharp: {
      prompt: problem('csharp', csMain(`            ${C}\n`)),
      answer:
        "string[] p = Console.ReadLine().Split(' ');\n            Console.WriteLine(Math.Max(long.Parse(p[0]), long.Parse(p[1])));",
    },
  },
  control: {
    python: {
      prompt: problem(
        'python',
        `t = int(input())\nfor _ in range(t):\n    a, b = map(int, input().split())\n    if ${P}\n        print(a)\n    else:\n        print(b)\n`,
      ),
      answer: 'a >= b:',
    },
    java: {
      prompt: problem(
        'java',
        javaMain(
          `            long a = in.nextLong(), b = in.nextLong();\n            if (${C}) System.out.println(a);\n            else System.out.println(b);\n`,
        ),
      ),
      answer: 'a >= b',
    },
    cpp: {
      prompt: problem(
        'cpp',
        cppMain(
          `        long long a, b;\n        cin >> a >> b;\n        if (${C}) cout << a << "\\n";\n        else cout << b << "\\n";\n`,
        ),
      ),
      answer: 'a >= b',
    },
    csharp: {
      prompt: problem(
        'csharp',
        csMain(
          `            string[] p = Console.ReadLine().Split(' ');\n            long a = long.Parse(p[0]), b = long.Parse(p[1]);\n            if (${C}) Console.WriteLine(a);\n            else Console.WriteLine(b);\n`,
        ),
      ),
      answer: 'a >= b',
    },
  },
  api: {
    python: {
      prompt: api(
        'python',
        `import math\n\n\ndef hypotenuse(a, b):\n    # length of the hypotenuse of a right triangle\n    return ${P}\n`,
      ),
      answer: 'math.hypot(a, b)',
    },
    java: {
      prompt: api(
        'java',
        `import java.util.Arrays;\n\npublic class Main {\n    public static void main(String[] args) {\n        int[] xs = {3, 1, 2};\n        // sort in place\n        ${C};\n        System.out.println(Arrays.toString(xs));\n    }\n}\n`,
      ),
      answer: 'Arrays.sort(xs)',
    },
    cpp: {
      prompt: api(
        'cpp',
        `#include <algorithm>\n#include <vector>\n\nint main() {\n    std::vector<int> v = {3, 1, 2};\n    // sort in place\n    ${C};\n    return v[0];\n}\n`,
      ),
      answer: 'std::sort(v.begin(), v.end())',
    },
    csharp: {
      prompt: api(
        'csharp',
        `using System;\n\nclass Program {\n    static void Main() {\n        int[] xs = {3, 1, 2};\n        // sort in place\n        ${C};\n        Console.WriteLine(string.Join(" ", xs));\n    }\n}\n`,
      ),
      answer: 'Array.Sort(xs)',
    },
  },
};

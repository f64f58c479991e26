// Runs xlcomp's generated xlwings Lite main.py in Pyodide (the npm package, no network) and prints what
// each case returns, as JSON, on stdout. RUNNER is the Python module beside this file that does the work:
// evaluate (the functions, the default) or scripts (the task-pane scripts on a stand-in book).
//   node run_pyodide.mjs MAIN_PY CASES_JSON [RUNNER]
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

const here = path.dirname(fileURLToPath(import.meta.url));
const [mainPath, casesPath, runner = "evaluate"] = process.argv.slice(2);
const pyodide = await loadPyodide({
  indexURL: path.join(here, "node_modules", "pyodide") + path.sep,
  stdout: (line) => process.stderr.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});
pyodide.FS.mkdirTree("/lite/xlwings");
pyodide.FS.writeFile("/lite/xlwings/__init__.py",
  readFileSync(path.join(here, "xlwings_standin", "xlwings", "__init__.py")));
pyodide.FS.writeFile("/lite/main.py", readFileSync(mainPath));
pyodide.FS.writeFile("/lite/cases.json", readFileSync(casesPath));
pyodide.FS.writeFile(`/lite/${runner}.py`, readFileSync(path.join(here, `${runner}.py`)));
const output = pyodide.runPython(`
import sys
sys.path.insert(0, "/lite")
import ${runner}
${runner}.run("/lite/cases.json")
`);
process.stdout.write(output);

"""The Office.js add-in's files checked offline against Microsoft's rules.

- ``manifest.xml`` against Microsoft's add-in manifest XML schemas, committed in ``officejs_schemas/`` (where they
  come from and the three edits that make them compile outside .NET are in its README). Those schemas are the last
  Microsoft published as files (2019); the shared runtime's ``<Runtimes>`` element came later, so the test takes
  that one element out before validating and checks it against Microsoft's documented set-up instead.
- ``functions.json`` against the custom-functions metadata rules of Microsoft's documentation ("Manually create JSON
  metadata for custom functions" and "Custom functions naming"), written down below as checks.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from xlcomp.functions import REGISTRY
from xlcomp.server.officejs import functions_metadata, render

BASE = "https://xlcomp.example.com"
SCHEMAS = Path(__file__).resolve().parent / "officejs_schemas"
NS = {
    "o": "http://schemas.microsoft.com/office/appforoffice/1.1",
    "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
    "ov": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
}
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSI_TYPE = f"{{{XSI}}}type"


@cache
def manifest_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "OfficeAppManifestV1_1.xsd")))


def manifest() -> etree._Element:
    return etree.fromstring(render("manifest.xml", BASE).encode())


def without_runtimes(root: etree._Element) -> etree._Element:
    """The manifest without its ``<Runtimes>`` elements (newer than the committed schemas)."""
    root = copy.deepcopy(root)
    for runtimes in root.iterfind(".//ov:Runtimes", NS):
        runtimes.getparent().remove(runtimes)
    return root


def schema_errors(root: etree._Element) -> list[str]:
    schema = manifest_schema()
    schema.validate(root)
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def test_manifest_is_valid_against_microsofts_schemas():
    assert schema_errors(without_runtimes(manifest())) == []


def test_the_schemas_catch_a_broken_manifest():
    # the schemas are really applied: each of these small breakages is reported
    root = without_runtimes(manifest())
    version = root.find("o:Version", NS)
    version.text = "1.0.0.0.0"
    assert any("Version" in error for error in schema_errors(root))

    root = without_runtimes(manifest())
    root.find("o:Hosts", NS).addprevious(root.find("o:Requirements", NS))  # out of order
    assert schema_errors(root)

    root = without_runtimes(manifest())
    point = root.find(".//ov:AllFormFactors/ov:ExtensionPoint", NS)
    point.remove(point.find("ov:Script", NS))  # custom functions need their script
    assert any("Script" in error or "Page" in error for error in schema_errors(root))

    assert schema_errors(manifest()), "the committed schemas predate <Runtimes>: update this test if they change"


def test_shared_runtime_as_microsoft_recommends_for_custom_functions():
    # "Configure your Office Add-in to use a shared runtime" (add-in only manifest): the SharedRuntime 1.1
    # requirement, one <Runtime lifetime="long"> first in the Workbook host, and the functions' page, the function
    # file and the task pane all on the runtime's page
    root = manifest()
    sets = {s.get("Name"): s.get("MinVersion") for s in root.iterfind("o:Requirements/o:Sets/o:Set", NS)}
    assert sets == {"CustomFunctionsRuntime": "1.1", "SharedRuntime": "1.1"}
    host = root.find("ov:VersionOverrides/ov:Hosts/ov:Host", NS)
    assert host.get(XSI_TYPE) == "Workbook"
    children = [etree.QName(child).localname for child in host.iterchildren(etree.Element)]
    assert children == ["Runtimes", "AllFormFactors", "DesktopFormFactor"]
    (runtime,) = host.findall("ov:Runtimes/ov:Runtime", NS)
    assert runtime.get("lifetime") == "long"
    page = runtime.get("resid")
    assert host.find("ov:AllFormFactors/ov:ExtensionPoint/ov:Page/ov:SourceLocation", NS).get("resid") == page
    assert host.find("ov:DesktopFormFactor/ov:FunctionFile", NS).get("resid") == page
    action = host.find(".//ov:Action", NS)
    assert action.get(XSI_TYPE) == "ShowTaskpane" and action.find("ov:SourceLocation", NS).get("resid") == page
    urls = {url.get("id"): url.get("DefaultValue") for url in root.iterfind(".//bt:Urls/bt:Url", NS)}
    assert urls[page] == f"{BASE}/taskpane.html"
    # that page loads office.js (which defines CustomFunctions in a shared runtime) before functions.js, not async
    scripts = re.findall(r"<script src=\"([^\"]+)\"([^>]*)>", render("taskpane.html", BASE))
    assert scripts == [("https://appsforoffice.microsoft.com/lib/1/hosted/office.js", ""), (f"{BASE}/functions.js", "")]


# --- functions.json: Microsoft's custom-functions metadata rules ---------------------------------------------------

FUNCTION_KEYS = {"id", "name", "description", "helpUrl", "options", "parameters", "result"}
REQUIRED_FUNCTION_KEYS = {"id", "name", "parameters", "result"}
PARAMETER_KEYS = {"name", "description", "type", "dimensionality", "optional", "repeating", "cellValueType",
                  "customEnumId"}
TYPES = {"boolean", "number", "string", "any"}
DIMENSIONALITIES = {"scalar", "matrix"}
ID = re.compile(r"[A-Z][A-Z0-9_.]{2,}")                  # A-Z 0-9 _ . ; starts with a letter; 3 or more
NAME = re.compile(r"[^\W\d_](?:[^\W\d]|\.){2,}")      # Unicode letters, _ and . ; starts with a letter; 3 or more
CELL_REFERENCE = re.compile(r"[A-Z]{1,3}[0-9]+|R[0-9]+C[0-9]+", re.IGNORECASE)
# Excel 4.0 macro functions a custom function must not be named after (a few of them; Microsoft links the list)
MACRO_NAMES = {"RUN", "ECHO", "GOTO", "HALT", "RETURN", "RESULT", "ARGUMENT", "CALL", "REGISTER", "EXEC"}


def metadata_problems(metadata: dict[str, Any]) -> list[str]:
    """Every way ``metadata`` breaks Microsoft's custom-functions metadata rules, as messages."""
    problems: list[str] = []
    if set(metadata) - {"functions", "enums", "allowCustomDataForDataTypeAny", "allowErrorForDataTypeAny"}:
        problems.append(f"unknown top-level keys {sorted(set(metadata) - {'functions'})}")
    functions = metadata.get("functions")
    if not isinstance(functions, list) or not functions:
        return [*problems, "functions: a non-empty array is required"]
    ids: set[str] = set()
    names: set[str] = set()
    for index, function in enumerate(functions):
        where = f"functions[{index}]"
        if missing := REQUIRED_FUNCTION_KEYS - set(function):
            problems.append(f"{where}: missing {sorted(missing)}")
            continue
        if unknown := set(function) - FUNCTION_KEYS:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")
        for key, pattern in (("id", ID), ("name", NAME)):
            value = function[key]
            if not isinstance(value, str) or not pattern.fullmatch(value) or len(value) < 3:
                problems.append(f"{where}.{key}: {value!r} breaks the naming rules")
            elif CELL_REFERENCE.fullmatch(value) or value.upper() in MACRO_NAMES:
                problems.append(f"{where}.{key}: {value!r} is a cell reference or an Excel 4.0 macro name")
        if function["id"].upper() in ids or function["name"].upper() in names:
            problems.append(f"{where}: {function['id']} is not unique")
        ids.add(function["id"].upper())
        names.add(function["name"].upper())
        for key in ("description", "helpUrl"):
            if key in function and not isinstance(function[key], str):
                problems.append(f"{where}.{key}: not a string")
        result = function["result"]
        if not isinstance(result, dict) or set(result) - {"type", "dimensionality"} or \
                result.get("type", "any") not in TYPES or \
                result.get("dimensionality", "scalar") not in DIMENSIONALITIES:
            problems.append(f"{where}.result: {result!r} is not a result type")
        seen_optional = False
        parameter_names: set[str] = set()
        for position, parameter in enumerate(function["parameters"]):
            at = f"{where}.parameters[{position}]"
            if not isinstance(parameter.get("name"), str) or not parameter["name"]:
                problems.append(f"{at}: a name is required")
                continue
            if parameter["name"] in parameter_names:
                problems.append(f"{at}: {parameter['name']} is named twice")
            parameter_names.add(parameter["name"])
            if unknown := set(parameter) - PARAMETER_KEYS:
                problems.append(f"{at}: unknown keys {sorted(unknown)}")
            if parameter.get("type", "any") not in TYPES:
                problems.append(f"{at}.type: {parameter['type']!r} is not one of {sorted(TYPES)}")
            if parameter.get("dimensionality", "scalar") not in DIMENSIONALITIES:
                problems.append(f"{at}.dimensionality: {parameter['dimensionality']!r} is not scalar or matrix")
            for flag in ("optional", "repeating"):
                if flag in parameter and not isinstance(parameter[flag], bool):
                    problems.append(f"{at}.{flag}: not a boolean")
            optional = parameter.get("optional", False) or parameter.get("repeating", False)
            if seen_optional and not optional:
                problems.append(f"{at}: a required parameter after an optional one")
            seen_optional = seen_optional or optional
    return problems


def test_functions_json_follows_the_custom_functions_metadata_rules():
    metadata = functions_metadata(BASE)
    assert metadata_problems(metadata) == []
    assert [f["id"] for f in metadata["functions"]] == list(REGISTRY)
    for function in metadata["functions"]:
        spec = REGISTRY[function["id"]]
        assert function["name"] == spec.name and function["result"] == {"type": "number", "dimensionality": "scalar"}
        assert [(p["name"], p["dimensionality"], p["optional"]) for p in function["parameters"]] == [
            (p.name, p.dimensionality, p.optional) for p in spec.params]
    tiers = next(p for p in metadata["functions"][1]["parameters"] if p["name"] == "tiers")
    assert tiers["dimensionality"] == "matrix"


@pytest.mark.parametrize(("change", "complaint"), [
    (lambda f: f.update(id="1CSM"), "naming rules"),
    (lambda f: f.update(id="CSM-TIERED"), "naming rules"),
    (lambda f: f.update(name="RUN", id="RUN"), "macro name"),
    (lambda f: f.update(name="AB12", id="AB12"), "cell reference"),
    (lambda f: f.pop("result"), "missing"),
    (lambda f: f["parameters"][0].update(type="range"), "is not one of"),
    (lambda f: f["parameters"][1].update(dimensionality="vector"), "not scalar or matrix"),
    (lambda f: f["parameters"][0].update(optional=True), "required parameter after an optional"),
    (lambda f: f.update(id="CS_GRR", name="CS_GRR"), "not unique"),
])
def test_the_metadata_checks_catch_broken_metadata(change, complaint):
    metadata = copy.deepcopy(functions_metadata(BASE))
    change(metadata["functions"][1])  # CSM_TIERED(attainment, tiers, [mode], [threshold], [cap])
    assert any(complaint in problem for problem in metadata_problems(metadata))

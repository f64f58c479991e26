// The upload page: choose or drop workbooks, send them to POST /api/recalc, show what came back.
// Every text from the server is put in the page as text (textContent), never as HTML.
(function () {
  "use strict";

  var form = document.getElementById("upload-form");
  var drop = document.getElementById("drop");
  var input = document.getElementById("files-input");
  var chosenList = document.getElementById("chosen");
  var planInput = document.getElementById("plan-input");
  var periodInput = document.getElementById("period-input");
  var submit = document.getElementById("submit");
  var busy = document.getElementById("busy");
  var errorBox = document.getElementById("error");
  var results = document.getElementById("results");
  var summary = document.getElementById("summary");
  var fileResults = document.getElementById("file-results");

  var maxFiles = Number(form.dataset.maxFiles);
  var maxFileBytes = Number(form.dataset.maxFileBytes);
  var maxRequestBytes = Number(form.dataset.maxRequestBytes);
  var SHOWN = 50;  // rows of one kind shown per file; report.xlsx has them all
  var chosen = [];
  var running = false;

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attributes[key]; } else { node.setAttribute(key, attributes[key]); }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function megabytes(bytes) {
    var mb = bytes / (1024 * 1024);
    return mb >= 10 ? mb.toFixed(0) + " MB" : mb >= 0.1 ? mb.toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  // kind "choice": a problem with the files chosen, cleared as soon as the choice is fixed;
  // kind "server": the server's refusal, kept until the choice changes or the next upload
  function showError(message, problems, kind) {
    errorBox.dataset.kind = kind || "server";
    errorBox.replaceChildren(el("strong", {text: message}));
    if (problems && problems.length) {
      errorBox.appendChild(el("ul", {}, problems.map(function (problem) {
        return el("li", {}, [problem.where ? el("span", {class: "mono", text: problem.where + " "}) : null,
                             problem.message]);
      })));
    }
    errorBox.hidden = false;
  }

  function clearError() { errorBox.hidden = true; errorBox.replaceChildren(); }

  // -- choosing files ------------------------------------------------------------------------

  function problemWithChoice() {
    var total = 0;
    if (chosen.length > maxFiles) {
      return "at most " + maxFiles + " workbooks at once: remove " + (chosen.length - maxFiles);
    }
    for (var i = 0; i < chosen.length; i++) {
      total += chosen[i].size;
      if (chosen[i].size > maxFileBytes) {
        return chosen[i].name + " is " + megabytes(chosen[i].size) + ", over the " + megabytes(maxFileBytes) +
          " limit for one workbook";
      }
    }
    if (total > maxRequestBytes) {
      return "the workbooks are " + megabytes(total) + " together, over the " + megabytes(maxRequestBytes) +
        " a request may be: send them in two goes";
    }
    return "";
  }

  function refresh(choiceChanged) {
    chosenList.replaceChildren.apply(chosenList, chosen.map(function (file, index) {
      var remove = el("button", {type: "button", title: "remove " + file.name, "aria-label": "remove " + file.name,
                                 text: "\u00d7"});
      remove.addEventListener("click", function () { chosen.splice(index, 1); refresh(true); });
      return el("li", {}, [el("span", {text: file.name}), el("span", {class: "size", text: megabytes(file.size)}),
                           remove]);
    }));
    var problem = problemWithChoice();
    if (problem) {
      showError(problem, null, "choice");
    } else if (choiceChanged || errorBox.dataset.kind === "choice") {
      clearError();
    }
    submit.disabled = running || !chosen.length || Boolean(problem);
    submit.textContent = chosen.length > 1 ? "Recalculate " + chosen.length + " workbooks" : "Recalculate";
  }

  function add(files) {
    Array.prototype.forEach.call(files, function (file) {
      var known = chosen.some(function (other) {
        return other.name === file.name && other.size === file.size && other.lastModified === file.lastModified;
      });
      if (!known) { chosen.push(file); }
    });
    refresh(true);
  }

  input.addEventListener("change", function () { add(input.files); input.value = ""; });
  drop.addEventListener("click", function () { input.click(); });
  drop.addEventListener("keydown", function (event) {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); input.click(); }
  });
  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (event) { event.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    drop.addEventListener(type, function (event) { event.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files) { add(event.dataTransfer.files); }
  });
  // a file dropped beside the zone must not make the browser leave the page
  window.addEventListener("dragover", function (event) { event.preventDefault(); });
  window.addEventListener("drop", function (event) { event.preventDefault(); });

  // -- sending ---------------------------------------------------------------------------------

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!chosen.length || running) { return; }
    var data = new FormData();
    chosen.forEach(function (file) { data.append("files", file, file.name); });
    if (planInput.files.length) { data.append("plan", planInput.files[0], planInput.files[0].name); }
    if (periodInput.value.trim()) { data.append("period", periodInput.value.trim()); }
    running = true;
    submit.disabled = true;
    busy.textContent = "Recalculating " + chosen.length + (chosen.length > 1 ? " workbooks" : " workbook") + "\u2026";
    busy.hidden = false;
    clearError();
    fetch(form.getAttribute("action"), {method: "POST", body: data})
      .then(function (response) {
        return response.text().then(function (text) {
          var body = null;
          try { body = JSON.parse(text); } catch (ignored) { body = null; }
          if (!response.ok) {
            var detail = body && body.detail ? body.detail : "the server answered " + response.status;
            throw {message: detail, problems: body && body.problems};
          }
          return body;
        });
      })
      .then(function (body) { render(body); })
      .catch(function (error) {
        var message = error instanceof TypeError ? "the server could not be reached (" + error.message + ")" :
          error && error.message ? error.message : "the server could not be reached";
        showError(message, error && error.problems);
      })
      .then(function () { running = false; busy.hidden = true; refresh(); });
  });

  // -- showing the results ---------------------------------------------------------------------

  function table(headers, rows, classes) {
    return el("table", {}, [
      el("thead", {}, [el("tr", {}, headers.map(function (header) { return el("th", {text: header}); }))]),
      el("tbody", {}, rows.map(function (row) {
        return el("tr", {}, row.map(function (cell, index) {
          return el("td", classes && classes[index] ? {class: classes[index], text: cell} : {text: cell});
        }));
      }))
    ]);
  }

  function section(title, items, build) {
    if (!items || !items.length) { return null; }
    var shown = items.slice(0, SHOWN);
    var more = items.length > SHOWN ?
      el("p", {class: "more", text: "and " + (items.length - SHOWN) + " more: see report.xlsx"}) : null;
    return el("div", {}, [el("h3", {text: title + " (" + items.length + ")"}), build(shown), more]);
  }

  function listOf(items) {
    return el("ul", {class: "findings"}, items.map(function (item) {
      return el("li", {}, [item.where ? el("span", {class: "mono", text: item.where + ": "}) : null, item.message]);
    }));
  }

  var KINDS = {constant: "typed over", blank: "cleared", formula: "other formula"};

  function fileCard(entry) {
    var facts = [entry.kind, entry.plan, entry.period].filter(Boolean);
    if (entry.csms) { facts.push(entry.csms + (entry.csms === 1 ? " CSM" : " CSMs")); }
    if (entry.total) { facts.push("total " + Number(entry.total).toLocaleString("en-US", {minimumFractionDigits: 2})); }
    var link = entry.download ? el("a", {href: entry.download, download: entry.output, text: "regenerated " + entry.output}) : null;
    var card = el("article", {class: "file " + entry.status, "data-file": entry.file, "data-status": entry.status}, [
      el("header", {}, [el("span", {class: "name", text: entry.file}),
                        el("span", {class: "badge " + entry.status, text: entry.status}),
                        el("span", {class: "facts", text: facts.join(" \u00b7 ")}), link])
    ]);
    [
      section("Problems", entry.problems, listOf),
      section("Overrides: formula cells typed over, cleared or changed (not paid: use the Adjustments table)", entry.overrides, function (items) {
        return table(["Cell", "Expected formula", "Found", ""], items.map(function (o) {
          return [o.where, o.formula, o.found === "" ? "(blank)" : o.found, o.message || KINDS[o.kind] || o.kind || ""];
        }), ["cell", "formula", "formula", "kind"]);
      }),
      section("Differences: values saved in the upload that are not the engine's", entry.differences, function (items) {
        return table(["Cell", "In the upload", "Engine"], items.map(function (d) {
          return [d.where, d.cached === "" ? "(blank)" : d.cached, d.engine];
        }), ["cell", "num", "num"]);
      }),
      section("Plan edits (used in the recalculation)", entry.plan_edits, function (items) {
        return table(["Cell", "Parameter", "Before", "After"], items.map(function (p) {
          return [p.where, p.name, p.before, p.after];
        }), ["cell", "mono", "num", "num"]);
      }),
      section("Warnings", entry.warnings, listOf)
    ].forEach(function (part) { if (part) { card.appendChild(part); } });
    if (entry.status === "ok" && !(entry.warnings || []).length && !(entry.differences || []).length) {
      card.appendChild(el("p", {class: "muted small", text: entry.kind === "xlcomp workbook" ?
        "Every value saved in the upload equals the engine's." : "Recalculated."}));
    }
    return card;
  }

  function render(body) {
    var counts = body.counts || {};
    var parts = ["ok", "inputs_changed", "overridden", "rejected"].map(function (status) {
      return el("span", {class: "badge " + status, text: (counts[status] || 0) + " " + status});
    });
    var reports = body.reports || {};
    var links = el("span", {class: "downloads"}, Object.keys(reports).map(function (name) {
      return el("a", {href: reports[name], download: name, text: name});
    }));
    summary.replaceChildren.apply(summary, [el("span", {text: body.files.length + (body.files.length === 1 ?
      " workbook:" : " workbooks:")})].concat(parts, [links]));
    fileResults.replaceChildren.apply(fileResults, body.files.map(fileCard));
    results.hidden = false;
    chosen = [];
    results.scrollIntoView({behavior: "smooth", block: "start"});
  }

  refresh();
})();

/*
 * xlcomp custom functions (namespace {{ namespace }}), generated from the worksheet-function registry.
 * Every call goes to the xlcomp server at {{ base_url }}, which runs the engine: the calls Excel makes
 * in one recalculation are sent together to /api/batch (at most {{ max_batch }} a request). A result is
 * a number; a bad argument comes back as an Excel error with its message (CustomFunctions.Error).
 */
(function () {
  "use strict";
  var SERVER = {{ base_url | tojson }};
  var MAX_BATCH = {{ max_batch }};
  var ERROR_CODES = {
    "#VALUE!": "invalidValue",
    "#DIV/0!": "divisionByZero",
    "#NUM!": "invalidNumber",
    "#NAME?": "invalidName",
    "#N/A": "notAvailable"
  };
  var queue = [];
  var scheduled = false;

  function excelError(code, message) {
    var key = ERROR_CODES[code] || "invalidValue";
    return new CustomFunctions.Error(CustomFunctions.ErrorCode[key], message);
  }

  function settle(calls, data) {
    calls.forEach(function (call, index) {
      var result = data.results[index];
      if (result && Object.prototype.hasOwnProperty.call(result, "value")) {
        call.resolve(result.value);
      } else {
        var error = (result && result.error) || {code: "#N/A", message: "the server sent no result"};
        call.reject(excelError(error.code, error.message));
      }
    });
  }

  function send(calls) {
    var body = JSON.stringify({calls: calls.map(function (call) {
      return {"function": call.name, "args": call.args};
    })});
    fetch(SERVER + "/api/batch", {method: "POST", headers: {"Content-Type": "application/json"}, body: body})
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) {
            throw new Error(typeof data.detail === "string" ? data.detail : "HTTP " + response.status);
          }
          return data;
        });
      })
      .then(function (data) { settle(calls, data); })
      .catch(function (error) {
        calls.forEach(function (call) {
          call.reject(excelError("#N/A", "xlcomp server " + SERVER + ": " + error.message));
        });
      });
  }

  function flush() {
    scheduled = false;
    while (queue.length) {
      send(queue.splice(0, MAX_BATCH));
    }
  }

  function call(name, args) {
    return new Promise(function (resolve, reject) {
      queue.push({name: name, args: args.map(function (arg) { return arg === undefined ? null : arg; }),
                  resolve: resolve, reject: reject});
      if (!scheduled) {
        scheduled = true;
        setTimeout(flush, 0);
      }
    });
  }

  if (typeof CustomFunctions === "undefined") {
    console.warn("xlcomp: CustomFunctions is not defined; open this add-in in Excel");
    return;
  }
{% for spec in functions %}{% set names = spec.params | map(attribute="name") | join(", ") %}
  /** {{ spec.signature }}: {{ spec.description | replace("*/", "* /") }} */
  CustomFunctions.associate({{ spec.name | tojson }}, function ({{ names }}) {
    return call({{ spec.name | tojson }}, [{{ names }}]);
  });
{% endfor %}
})();

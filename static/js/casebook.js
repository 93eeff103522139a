// Casebook's own script: only what HTMX does not do by itself. Every page works without it.
(function () {
  "use strict";

  // A request HTMX could not complete leaves the form as it was, with everything typed in it;
  // say so beside the form instead of failing silently.
  function say(target, text) {
    if (!target) return;
    var note = document.createElement("p");
    note.className = "message message--error";
    note.setAttribute("role", "alert");
    note.textContent = text;
    var previous = target.parentNode && target.parentNode.querySelector(":scope > .htmx-failure");
    if (previous) previous.remove();
    note.classList.add("htmx-failure");
    target.insertAdjacentElement("beforebegin", note);
  }

  function message(name) {
    var holder = document.querySelector("meta[name='casebook-messages']");
    return (holder && holder.dataset[name]) || "";
  }

  document.addEventListener("htmx:sendError", function (event) {
    say(event.detail.target, message("sendError"));
  });
  document.addEventListener("htmx:responseError", function (event) {
    say(event.detail.target, message("responseError"));
  });
  // --- Pick-a-record fields ------------------------------------------------------------------
  // A <select data-autocomplete> (cases/forms_lookup.py) becomes a combobox that finds records
  // by any of their names as one types (accessible-autocomplete, GOV.UK). The select stays in
  // the form, hidden, and is what is posted: the combobox only sets its value. The library is
  // fetched only by pages that hold such a select, and only once.
  var settings = null;
  var library = null;

  function setting(name) {
    settings = settings || document.querySelector("meta[name='casebook-autocomplete']");
    return (settings && settings.dataset[name]) || "";
  }

  function loadLibrary() {
    if (window.accessibleAutocomplete) return Promise.resolve();
    if (library) return library;
    if (!setting("script")) return Promise.reject(new Error("no autocomplete"));
    library = new Promise(function (resolve, reject) {
      var style = document.createElement("link");
      style.rel = "stylesheet";
      style.href = setting("style");
      document.head.appendChild(style);
      var script = document.createElement("script");
      script.src = setting("script");
      script.onload = resolve;
      script.onerror = function () {
        library = null;
        reject(new Error("autocomplete did not load"));
      };
      document.head.appendChild(script);
    });
    return library;
  }

  // As cases/text.py folds for search: case and Latin accents do not matter.
  function fold(text) {
    return (text || "")
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/\s+/g, " ")
      .trim();
  }

  function labelOf(option) {
    return option.textContent || option.innerText || "";
  }

  // Put the record in the select (adding the option if the page did not list it) and pick it.
  function choose(select, value, label) {
    var found = Array.prototype.filter.call(select.options, function (option) {
      return option.value === value;
    })[0];
    if (!found) {
      found = new Option(label, value);
      select.appendChild(found);
    }
    select.value = value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function enhance(select) {
    if (select.multiple || select.dataset.autocompleteReady || !window.accessibleAutocomplete) {
      return;
    }
    select.dataset.autocompleteReady = "1";
    var id = select.id;
    var url = select.dataset.autocompleteUrl;
    var values = {};
    Array.prototype.forEach.call(select.options, function (option) {
      if (option.value) values[labelOf(option)] = option.value;
    });
    var listsRecords = Object.keys(values).length > 0;
    var timer = null;
    var pending = null;

    function listed(query) {
      var needle = fold(query);
      return Object.keys(values)
        .filter(function (label) {
          return fold(label).indexOf(needle) !== -1;
        })
        .slice(0, 20);
    }

    function source(query, populate) {
      if (!url || !window.fetch) {
        populate(listed(query));
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (pending) pending.abort();
        pending = window.AbortController ? new AbortController() : null;
        fetch(url + "?q=" + encodeURIComponent(query), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          signal: pending && pending.signal,
        })
          .then(function (response) {
            if (!response.ok) throw new Error(String(response.status));
            return response.json();
          })
          .then(function (data) {
            // A select posts what its options hold, which is not always the record's id (the
            // export filters post term codes and public ids): a record the select lists is
            // chosen by its option. Only a select that lists nothing takes the ids found.
            var found = [];
            data.results.forEach(function (record) {
              if (values[record.label] !== undefined) {
                found.push(record.label);
              } else if (!listsRecords) {
                values[record.label] = String(record.id);
                found.push(record.label);
              }
            });
            populate(found);
          })
          .catch(function (error) {
            // Offline or refused: the records the page listed are still there to pick from.
            if (!error || error.name !== "AbortError") populate(listed(query));
          });
      }, 150);
    }

    window.accessibleAutocomplete.enhanceSelectElement({
      selectElement: select,
      source: source,
      defaultValue: "",
      minLength: 1,
      autoselect: true,
      confirmOnBlur: true,
      showNoOptionsFound: true,
      // Over the page, not in it: a list that pushed the fields down would move the "Add a
      // missing …" link from under the pointer as the list closes on the click.
      displayMenu: "overlay",
      dropdownArrow: function () {
        return "";
      },
      tNoResults: function () {
        return setting("noResults");
      },
      tStatusQueryTooShort: function () {
        return setting("tooShort");
      },
      tStatusNoResults: function () {
        return setting("noResults");
      },
      tStatusSelectedOption: function (option, length, index) {
        return setting("selected")
          .replace("%(option)s", option)
          .replace("%(n)s", String(index + 1))
          .replace("%(count)s", String(length));
      },
      tStatusResults: function (length) {
        return setting("results").replace("%(count)s", String(length));
      },
      tAssistiveHint: function () {
        return setting("hint");
      },
      onConfirm: function (label) {
        if (label === undefined) {
          // Left without choosing: an emptied field means no record, anything else keeps the
          // record chosen before.
          var input = document.getElementById(id);
          if (input && !input.value.trim()) select.value = "";
          return;
        }
        if (values[label] !== undefined) choose(select, values[label], label);
      },
    });
    var combobox = select.previousElementSibling;
    select._casebookCombobox = combobox;
    // The grey completion drawn behind the text is a second, unlabelled input: it repeats the
    // highlighted suggestion, which the combobox already announces, so screen readers skip it.
    if (window.MutationObserver) {
      new MutationObserver(function () {
        Array.prototype.forEach.call(
          combobox.querySelectorAll(".autocomplete__hint:not([aria-hidden])"),
          function (hint) {
            hint.setAttribute("aria-hidden", "true");
          }
        );
      }).observe(combobox, { childList: true, subtree: true });
    }
  }

  // After a record was added from the dialog: the combobox is drawn again around the select,
  // now holding it, so that what it shows and what is posted agree.
  function redraw(select) {
    if (select._casebookCombobox) select._casebookCombobox.remove();
    select._casebookCombobox = null;
    select.id = select.id.replace(/-select$/, "");
    delete select.dataset.autocompleteReady;
    enhance(select);
  }

  // With a dialog to open them in, the "Add a missing …" links no longer open a new tab.
  function linksOpenDialogs(root) {
    if (!window.htmx || !window.HTMLDialogElement) return;
    Array.prototype.forEach.call(
      (root || document).querySelectorAll("a[data-add-record][target]"),
      function (link) {
        link.removeAttribute("target");
        var note = link.querySelector(".visually-hidden");
        if (note) note.remove();
      }
    );
  }

  function enhanceWithin(root) {
    linksOpenDialogs(root);
    var selects = (root || document).querySelectorAll("select[data-autocomplete]:not([multiple])");
    if (!selects.length) return;
    loadLibrary().then(
      function () {
        Array.prototype.forEach.call(selects, enhance);
      },
      function () {
        // Without the library the plain selects work as they are.
      }
    );
  }

  if (window.htmx) {
    window.htmx.onLoad(enhanceWithin);
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      enhanceWithin(document);
    });
  }

  // --- Adding a missing place or organization ------------------------------------------------
  // The link beside the field opens a new tab without JavaScript; here it opens the same form
  // in a dialog, and the record saved there is chosen in the field that asked.
  function dialog() {
    var found = document.getElementById("record-dialog");
    if (found) return found;
    found = document.createElement("dialog");
    found.id = "record-dialog";
    found.className = "record-dialog";
    var body = document.createElement("div");
    body.id = "record-dialog-body";
    found.appendChild(body);
    found.addEventListener("click", function (event) {
      if (event.target.closest("[data-close-record-dialog]")) found.close();
    });
    found.addEventListener("close", function () {
      body.textContent = "";
      var back = found.dataset.field && document.getElementById(found.dataset.field);
      if (back) back.focus();
    });
    document.body.appendChild(found);
    return found;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-add-record]");
    if (!link || !window.htmx || !window.HTMLDialogElement) return;
    event.preventDefault();
    var box = dialog();
    var field = link.dataset.addRecord;
    var address = new URL(link.href, window.location.href);
    var typed = document.getElementById(field);
    if (typed && typed.tagName === "INPUT" && typed.value.trim()) {
      address.searchParams.set("name", typed.value.trim());
    }
    box.dataset.field = field;
    window.htmx
      .ajax("GET", address.pathname + address.search, {
        target: "#record-dialog-body",
        swap: "innerHTML",
      })
      .then(function () {
        var title = box.querySelector("h2[id]");
        if (title) box.setAttribute("aria-labelledby", title.id);
        if (!box.open) box.showModal();
        var first = box.querySelector("input:not([type=hidden]), select, textarea");
        if (first) first.focus();
      });
  });

  document.addEventListener("casebook:record-added", function (event) {
    var record = event.detail || {};
    if (!record.field) return;
    var select =
      document.getElementById(record.field + "-select") || document.getElementById(record.field);
    if (select && select.tagName === "SELECT") {
      choose(select, String(record.id), record.label);
      if (select.dataset.autocompleteReady) redraw(select);
      if (record.message) {
        var note = document.createElement("p");
        note.className = "message message--success record-added";
        note.setAttribute("role", "status");
        note.textContent = record.message;
        var field = select.closest(".field") || select.parentNode;
        var previous = field.querySelector(".record-added");
        if (previous) previous.remove();
        field.appendChild(note);
      }
    }
    var box = document.getElementById("record-dialog");
    if (box && box.open) box.close();
  });
})();

/* zicht questionnaire fields: live show/hide, sliders that stay empty until touched, repeat
   blocks, and a debounced "zicht:change" event for autosave. The form works without this file;
   see docs/questionnaire-format.md ("Page integration"). No framework, no build step. */
(function () {
  "use strict";
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var words = function (text) { return text ? text.split(" ") : []; };
  var TEXT = {
    nl: { clear: "Wis antwoord", empty: "nog niet beantwoord" },
    en: { clear: "Clear answer", empty: "not answered yet" }
  };

  /* Items that belong directly to a scope (the form, or one repeat block). */
  function itemsOf(scope) {
    return Array.prototype.filter.call(scope.querySelectorAll("[data-item]"), function (el) {
      return el.parentElement.closest("[data-scope]") === scope;
    });
  }

  function setOn(el, on) {
    el.hidden = !on;
    each(el.querySelectorAll("input,select,textarea,button"), function (input) { input.disabled = !on; });
  }

  /* Same rules as the server: start from data-hidden, then apply the checked options in order. */
  function applyScope(scope) {
    var outer = scope.parentElement && scope.parentElement.closest("[data-item]");
    if (outer && outer.hidden) return;
    var items = itemsOf(scope), visible = {};
    items.forEach(function (el) { visible[el.getAttribute("data-item")] = !el.hasAttribute("data-hidden"); });
    items.forEach(function (el) {
      var on = visible[el.getAttribute("data-item")];
      setOn(el, on);
      if (!on) return;
      each(el.querySelectorAll("input:checked,option:checked"), function (input) {
        if (input.closest("[data-item]") !== el) return;
        words(input.getAttribute("data-shows")).forEach(function (id) { visible[id] = true; });
        words(input.getAttribute("data-hides")).forEach(function (id) { visible[id] = false; });
      });
    });
  }

  function refresh(root) {
    applyScope(root);
    each(root.querySelectorAll("[data-scope]"), applyScope);
    each(root.querySelectorAll("input[data-other]"), function (box) {
      var text = box.parentElement.nextElementSibling, on = box.checked && !box.disabled;
      if (!text) return;
      text.hidden = !on;
      text.disabled = !on;
    });
    each(root.querySelectorAll(".zq-nojs input"), function (input) { input.disabled = true; });
    each(root.querySelectorAll(".zq-repeat"), updateRepeat);
  }

  function changed(root) {
    clearTimeout(root._zqTimer);
    root._zqTimer = setTimeout(function () {
      root.dispatchEvent(new CustomEvent("zicht:change", { bubbles: true }));
    }, 800);
  }

  /* A slider: the named number box carries the answer; the range has no name. Until the
     respondent touches it, the thumb is invisible and the number box stays empty (= missing). */
  function enhanceSlider(num, root) {
    if (num._zq) return;
    num._zq = true;
    var text = TEXT[root.getAttribute("lang")] || TEXT.nl;
    var range = document.createElement("input");
    var clear = document.createElement("button");
    var min = parseFloat(num.min), max = parseFloat(num.max);
    range.type = "range";
    range.min = num.min;
    range.max = num.max;
    range.step = num.step;
    range.id = num.id + "-r";
    range.className = "zq-range";
    range.setAttribute("aria-describedby", words(num.getAttribute("aria-describedby")).filter(function (id) {
      return id.slice(-5) !== "-help";
    }).join(" "));
    clear.type = "button";
    clear.className = "zq-clear";
    clear.textContent = text.clear;
    function show() {
      var empty = num.value === "";
      range.classList.toggle("zq-untouched", empty);
      range.value = empty ? String((min + max) / 2) : num.value;
      range.setAttribute("aria-valuetext", empty ? text.empty : num.value);
      clear.hidden = empty;
    }
    function touch() {
      if (num.disabled) return;
      num.value = range.value;
      show();
      changed(root);
    }
    range.addEventListener("input", touch);
    range.addEventListener("change", touch);
    range.addEventListener("pointerup", touch); /* a tap on the (invisible) thumb changes nothing */
    num.addEventListener("change", show); /* a restored draft sets the number box */
    clear.addEventListener("click", function () {
      num.value = "";
      show();
      range.focus();
      changed(root);
    });
    var label = root.querySelector('label[for="' + num.id + '"]');
    if (label) label.htmlFor = range.id;
    num.parentNode.insertBefore(range, num);
    num.hidden = true;
    num.parentNode.appendChild(clear);
    show();
  }

  function blocksOf(item) {
    return Array.prototype.filter.call(item.querySelectorAll(".zq-block"), function (b) {
      return b.parentElement.classList.contains("zq-blocks");
    });
  }

  function updateRepeat(item) {
    var holder = item.querySelector(".zq-blocks"), blocks = blocksOf(item);
    var min = +holder.getAttribute("data-min"), max = +holder.getAttribute("data-max");
    var add = item.querySelector(".zq-add");
    if (add) add.hidden = blocks.length >= max;
    blocks.forEach(function (block, position) {
      var remove = block.querySelector(".zq-remove"), number = block.querySelector(".zq-bn");
      if (remove) remove.hidden = blocks.length <= min;
      if (number) number.textContent = String(position + 1);
    });
  }

  function enhanceRepeat(item, root) {
    if (item._zq) return;
    item._zq = true;
    var holder = item.querySelector(".zq-blocks"), template = item.querySelector("template.zq-tpl");
    var add = item.querySelector(".zq-add");
    if (!holder || !template || !add) return;
    add.addEventListener("click", function () {
      var blocks = blocksOf(item), next = 0;
      if (blocks.length >= +holder.getAttribute("data-max")) return;
      blocks.forEach(function (b) { next = Math.max(next, +b.getAttribute("data-block")); });
      holder.insertAdjacentHTML("beforeend", template.innerHTML.replace(/ZQN/g, String(next + 1)));
      var block = holder.lastElementChild;
      enhance(block, root);
      refresh(root);
      var first = block.querySelector("textarea,input:not([type=hidden]),select");
      if (first) first.focus();
      changed(root);
    });
    holder.addEventListener("click", function (event) {
      var button = event.target.closest(".zq-remove");
      if (!button) return;
      if (blocksOf(item).length <= +holder.getAttribute("data-min")) return;
      button.closest(".zq-block").remove();
      refresh(root);
      add.focus();
      changed(root);
    });
  }

  function enhance(container, root) {
    each(container.querySelectorAll("input.zq-num"), function (num) { enhanceSlider(num, root); });
    each(container.querySelectorAll(".zq-repeat"), function (item) { enhanceRepeat(item, root); });
  }

  function init(root) {
    if (root._zq) return;
    root._zq = true;
    root.classList.add("zq-js");
    enhance(root, root);
    refresh(root);
    root.addEventListener("change", function (event) {
      refresh(root);
      var target = event.target;
      if (target.hasAttribute && target.hasAttribute("data-other") && target.checked) {
        var text = target.parentElement.nextElementSibling;
        if (text) text.focus();
      }
      changed(root);
    });
    root.addEventListener("input", function () { changed(root); });
  }

  function initAll() { each(document.querySelectorAll("[data-zq]"), init); }

  window.zichtForm = {
    /* The form's current answers as application/x-www-form-urlencoded (hidden items excluded). */
    serialize: function (element) {
      var root = element || document.querySelector("[data-zq]");
      var form = root && (root.tagName === "FORM" ? root : root.closest("form"));
      return form ? new URLSearchParams(new FormData(form)).toString() : "";
    },
    refresh: initAll
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();

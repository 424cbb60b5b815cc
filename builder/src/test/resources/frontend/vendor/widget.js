/*!
 * widget.js — ES5, in the style of jQuery 3.6 / Bootstrap 4.6 (test fixture)
 */
var VERSION = "4.6.0";
var NAME = "widget";
var DATA_KEY = "bs." + NAME;
var EVENT_KEY = "." + DATA_KEY;
var Default = { toggle: true, parent: "" };
var toggle = Default.toggle, parent = Default.parent;
var Event = {
  SHOW: "show" + EVENT_KEY,
  SHOWN: "shown" + EVENT_KEY,
  toggle: toggle,
  parent: parent
};

function supportsPassive() {
  var supported = false;
  try {
    var options = Object.defineProperty({}, "passive", {
      get: function () {
        supported = true;
      }
    });
    window.addEventListener("test", null, options);
  } catch (e) {
    // old browsers throw here
  }
  return supported;
}

function describe(element, index) {
  return "<div class=\"" + NAME + "\" data-index=\"" + index + "\">\n" +
    element.textContent + "\n</div>";
}

function point(x, y) {
  return { x: x, y: y };
}

window.Widget = {
  VERSION: VERSION,
  Event: Event,
  supportsPassive: supportsPassive,
  describe: describe,
  point: point
};

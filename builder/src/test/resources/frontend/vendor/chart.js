/*!
 * chart.js — ES5, in the style of Chart.js 2.9 (test fixture)
 */
(function (global, factory) {
  typeof exports === "object" && typeof module !== "undefined" ? module.exports = factory() :
  typeof define === "function" && define.amd ? define(factory) :
  (global = global || self, global.MiniChart = factory());
}(this, function () {
  "use strict";
  var helpers = {
    noop: function () {},
    isArray: function (value) {
      if (Array.isArray && Array.isArray(value)) {
        return true;
      }
      var type = Object.prototype.toString.call(value);
      if (type.substr(0, 7) === "[object" && type.substr(-6) === "Array]") {
        return true;
      }
      return false;
    },
    color: function (r, g, b, a) {
      return "rgba(" + r + ", " + g + ", " + b + ", " + a + ")";
    }
  };
  function parse(json) {
    try {
      return JSON.parse(json);
    } catch (err) {
      return null;
    }
  }
  return { helpers: helpers, parse: parse, version: "2.9.4" };
}));

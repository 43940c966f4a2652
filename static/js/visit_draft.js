/* The phone visit form on a weak signal (issue 12). Our own small script, no library.
 * - Every change is kept as a draft in localStorage, so a closed tab or a dead battery loses nothing.
 * - "保存探访" puts the visit in an outbox and sends it; with no connection it stays there and is
 *   sent when the phone is back online (the "online" event, or the next visit page opened).
 * - Each visit carries the key the server put in the form: sending it twice records one visit.
 */
(function () {
  "use strict";
  var OUTBOX = "visit-outbox";

  function read(name, fallback) {
    try { return JSON.parse(localStorage.getItem(name)) || fallback; } catch (e) { return fallback; }
  }
  function write(name, value) {
    try { localStorage.setItem(name, JSON.stringify(value)); } catch (e) { /* storage full or off */ }
  }
  function pairs(form) {
    var out = [];
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || el.disabled) continue;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) continue;
      out.push([el.name, el.value]);
    }
    return out;
  }
  function restore(form, saved) {
    var names = {};
    saved.forEach(function (p) { (names[p[0]] = names[p[0]] || []).push(p[1]); });
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || el.name === "csrfmiddlewaretoken" || !(el.name in names)) {
        if (el.type === "checkbox" && el.name && !(el.name in names)) el.checked = false;
        continue;
      }
      if (el.type === "checkbox" || el.type === "radio") el.checked = names[el.name].indexOf(el.value) >= 0;
      else el.value = names[el.name][0];
    }
  }
  function status(text) {
    var box = document.getElementById("draft-status");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }
  function body(item) {
    return item.pairs.map(function (p) {
      return encodeURIComponent(p[0]) + "=" + encodeURIComponent(p[1]);
    }).join("&");
  }
  function send(item) {
    var options = {
      method: "POST", credentials: "same-origin", body: body(item),
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" }
    };
    if (window.AbortController) {
      var abort = new AbortController();
      options.signal = abort.signal;
      setTimeout(function () { abort.abort(); }, 20000);
    }
    return fetch(item.url, options).then(function (r) { return r.status; });
  }
  function drop(key) {
    write(OUTBOX, read(OUTBOX, []).filter(function (i) { return i.key !== key; }));
  }
  function flush() {
    var box = read(OUTBOX, []);
    if (!box.length) return Promise.resolve();
    status("有 " + box.length + " 条探访记录正在发送……");
    return Promise.all(box.map(function (item) {
      return send(item).then(function (code) {
        if (code === 200 || code === 400 || code === 404) drop(item.key); // 400/404: it can never succeed
        return code;
      }, function () { return 0; });
    })).then(function () {
      var left = read(OUTBOX, []).length;
      status(left ? "网络不通：" + left + " 条探访记录已保存在手机上，联网后会自动发送。" : "");
    });
  }

  var form = document.querySelector("form[data-draft]");
  if (form) {
    var draftName = form.getAttribute("data-draft");
    var saved = read(draftName, null);
    if (saved && !document.querySelector(".visit-error")) restore(form, saved);
    form.addEventListener("change", function () { write(draftName, pairs(form)); });
    form.addEventListener("input", function () { write(draftName, pairs(form)); });
    form.addEventListener("submit", function (event) {
      if (!window.fetch) return; // an old browser posts the form itself
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      var item = { url: form.action || location.href, key: form.elements.key.value, pairs: pairs(form) };
      var box = read(OUTBOX, []).filter(function (i) { return i.key !== item.key; });
      box.push(item);
      write(OUTBOX, box);
      if (button) button.disabled = true;
      status("正在保存……");
      send(item).then(function (code) {
        if (code === 200) {
          drop(item.key);
          localStorage.removeItem(draftName);
          location.href = form.getAttribute("data-home") + "?saved=1";
        } else if (code === 400) {
          drop(item.key);
          form.submit(); // the server shows what to correct
        } else {
          throw new Error("http " + code);
        }
      }).catch(function () {
        localStorage.removeItem(draftName);
        status("网络不通：这次探访已保存在手机上，联网后会自动发送，请不要重复填写。");
        if (button) button.disabled = false;
      });
    });
  }
  window.addEventListener("online", flush);
  flush();
})();

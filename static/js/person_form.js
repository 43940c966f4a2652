// Person form: the minors' section (parents, guardianship) shows only while the ID number typed
// in gives an age under 18 (or cannot be read yet). The server drops it for adults on edit.
(function () {
  var section = document.querySelector("[data-minor-only]");
  var id = document.getElementById("id_id_number");
  if (!section || !id) { return; }
  function age(value) {
    var digits = value.replace(/\s/g, "");
    var birth = digits.length === 18 ? digits.slice(6, 14) : digits.length === 15 ? "19" + digits.slice(6, 12) : "";
    if (!/^\d{8}$/.test(birth)) { return null; }
    var b = new Date(+birth.slice(0, 4), +birth.slice(4, 6) - 1, +birth.slice(6, 8));
    var now = new Date();
    var years = now.getFullYear() - b.getFullYear();
    if (now.getMonth() < b.getMonth() || (now.getMonth() === b.getMonth() && now.getDate() < b.getDate())) { years -= 1; }
    return years;
  }
  function update() {
    var years = age(id.value);
    section.hidden = years !== null && years >= 18;
  }
  id.addEventListener("input", update);
  update();
})();

// The menu's toggle on small screens. Without JavaScript it is a link to the menu, shown by CSS
// when targeted; with it, a button that opens and closes the menu in place.
(function () {
  "use strict";
  document.querySelectorAll("[data-portal-toggle]").forEach(function (toggle) {
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    function flip(event) {
      event.preventDefault();
      toggle.setAttribute("aria-expanded", String(menu.classList.toggle("show")));
    }
    toggle.setAttribute("role", "button");
    toggle.setAttribute("aria-expanded", "false");
    toggle.addEventListener("click", flip);
    toggle.addEventListener("keydown", function (event) {
      if (event.key === " ") { flip(event); }
    });
  });
})();

// phrasecheck workbench: small progressive enhancements; every page works without this script.
"use strict";
(function () {
  const player = document.getElementById("player");

  function seek(start) {
    if (!player || isNaN(start)) return;
    player.currentTime = start;
    const p = player.play();
    if (p && p.catch) p.catch(function () {});
  }

  document.addEventListener("click", function (ev) {
    const btn = ev.target.closest("button.seek");
    if (btn) {
      seek(parseFloat(btn.dataset.start));
      return;
    }
    const mark = ev.target.closest("mark[data-keys]");
    if (mark) goToFinding(mark.dataset.keys.split(" ")[0]);
  });

  // highlighted evidence is reachable by keyboard: Tab to it, Enter jumps to its finding
  document.querySelectorAll("mark[data-keys]").forEach(function (m) {
    m.tabIndex = 0;
    m.setAttribute("role", "link");
    m.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        goToFinding(m.dataset.keys.split(" ")[0]);
      }
    });
  });

  function goToFinding(id) {
    const li = document.getElementById(id);
    if (!li) return;
    li.scrollIntoView({ block: "center" });
    const link = li.querySelector("a.rule");
    if (link) link.focus();
    const btn = li.querySelector("button.seek");
    if (btn) seek(parseFloat(btn.dataset.start));
  }

  // 复核/申诉 through the JSON API (the form posts by itself where this script does not run)
  document.querySelectorAll("form.review").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      const data = new FormData(form);
      const status = form.querySelector(".msg") || form.appendChild(Object.assign(document.createElement("p"), { className: "msg" }));
      status.setAttribute("role", "status");
      fetch("/api/reviews", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": data.get("csrf") },
        body: JSON.stringify({ finding: Number(data.get("finding")), verdict: data.get("verdict"), note: data.get("note"), by: data.get("by") }),
        credentials: "same-origin",
      })
        .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
        .then(function (res) {
          if (!res[0]) { status.textContent = res[1].error || "提交失败"; return; }
          location.hash = "f" + res[1].finding;
          location.reload();
        })
        .catch(function () { form.submit(); });
    });
  });
})();

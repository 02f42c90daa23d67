/* The editor's bar on every page of handbook serve: 编辑本页 (on a role's, policy's, guide's or form's page),
   新建岗位, 导入 Word, 待提交的修改, 维护概览. Added by the preview's server, never part of a built site. */
(function () {
  "use strict";
  var script = document.currentScript, edit = script && script.getAttribute("data-edit");
  function add() {
    var bar = document.createElement("nav");
    bar.className = "handbook-edit-bar";
    bar.setAttribute("aria-label", "编辑手册");
    var links = [["编辑本页", edit], ["维护概览", "/_edit/overview"], ["新建岗位", "/_edit/new-role"],
                 ["导入 Word", "/_edit/import"], ["待提交的修改", "/_edit/changes"]];
    links.forEach(function (link) {
      if (!link[1]) return;
      var a = document.createElement("a");
      a.textContent = link[0];
      a.href = link[1];
      a.className = link[0] === "编辑本页" ? "primary" : link[0] === "维护概览" ? "" : "more";
      bar.appendChild(a);
    });
    var style = document.createElement("style");
    style.textContent = ".handbook-edit-bar{position:fixed;right:12px;bottom:12px;z-index:10;display:flex;gap:6px;" +
      "flex-wrap:wrap;justify-content:flex-end;max-width:calc(100% - 24px);font:14px/1.4 system-ui,sans-serif}" +
      ".handbook-edit-bar a{background:#fff;color:#303fa1;border:1px solid #303fa1;border-radius:4px;" +
      "padding:4px 10px;text-decoration:none;box-shadow:0 1px 3px rgba(0,0,0,.2)}" +
      ".handbook-edit-bar a.primary{background:#303fa1;color:#fff}@media print{.handbook-edit-bar{display:none}}" +
      /* on a phone, one row that covers little: the editor's own pages link to the rest */
      "@media (max-width:600px){.handbook-edit-bar a.more{display:none}}";
    document.head.appendChild(style);
    document.body.appendChild(bar);
  }
  if (document.body) add(); else document.addEventListener("DOMContentLoaded", add);
})();

/* The editor's pages in handbook serve (/_edit/): the form of a content file (json-editor, from the file's JSON
   Schema), 新建岗位, 导入 Word, 待提交的修改 and 登录. Talks only to /_edit/api/; every request that changes
   anything carries the page's token. Text from the content is only ever set as text (textContent, input
   values), never as HTML. */
(function () {
  "use strict";
  var TOKEN = (document.querySelector('meta[name="handbook-token"]') || {}).content || "";

  function api(method, url, body, headers) {
    var init = {method: method, headers: Object.assign({"X-Handbook-Token": TOKEN}, headers || {}),
                credentials: "same-origin"};
    if (body !== undefined) {
      if (body instanceof Blob) { init.body = body; }
      else { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
    }
    return fetch(url, init).then(function (r) {
      return r.text().then(function (text) {
        var parsed = {};
        try { parsed = text ? JSON.parse(text) : {}; } catch (e) { parsed = {error: text}; }
        return {status: r.status, body: parsed};
      });
    });
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function summary(lines, ok) {
    var box = document.getElementById("summary");
    if (!box) return;
    box.replaceChildren();
    box.hidden = !lines.length;
    box.className = "summary" + (ok ? " ok" : "");
    if (lines.length === 1) { box.appendChild(el("p", lines[0])); return; }
    var list = el("ul");
    lines.forEach(function (line) { list.appendChild(el("li", line)); });
    box.appendChild(list);
  }

  function problemLines(body) {
    if (body.problems) return body.problems.map(function (p) { return p.message; });
    return [body.error || "请求失败"];
  }

  var logout = document.getElementById("logout");
  if (logout) logout.addEventListener("click", function () {
    api("POST", "/_edit/logout").then(function () { location.href = "/"; });
  });

  /* ---------------------------------------------------------------- the form of one file */

  function formPage(config) {
    var KIND = config.kind, etag = null, editor = null, serverProblems = {}, notes = {}, lastChecked = "", checkTimer = null;
    var statusNode = document.getElementById("status");

    literalTexts();
    JSONEditor.defaults.languages.zh = ZH;
    JSONEditor.defaults.language = "zh";
    JSONEditor.defaults.custom_validators.push(function (schema, value, path) {
      return (serverProblems[path] || []).map(function (message) {
        return {path: path, property: "format", message: message};
      });
    });

    api("GET", config.api).then(function (r) {
      if (r.status !== 200 || !config.schema) {
        summary(["这个文件现在无法在表单中打开："].concat(problemLines(r.body)));
        document.getElementById("form").hidden = true;
        return;
      }
      etag = r.body.etag;
      start(r.body.data, r.body.problems || []);
    });

    function start(data, problems) {
      var holder = document.getElementById("editor");
      holder.replaceChildren();
      editor = new JSONEditor(holder, {
        schema: config.schema, startval: toForm(data), theme: "html", iconlib: null,
        disable_edit_json: true, disable_properties: true, disable_collapse: true, disable_array_delete_all_rows: true,
        disable_array_delete_last_row: true, prompt_before_delete: false, show_errors: "always",
        no_additional_properties: true, use_default_values: true, remove_button_labels: false
      });
      editor.on("ready", function () {
        show(problems, false);
        lastChecked = JSON.stringify(fromForm(editor.getValue()));
        editor.on("change", changed);
        changed();
      });
    }

    function changed() {
      renderErrors();
      if (KIND === "roles") { refreshChoices(); showWeights(); }
      var now = JSON.stringify(fromForm(editor.getValue()));
      if (now === lastChecked) return;
      clearTimeout(checkTimer);
      checkTimer = setTimeout(function () { check(now); }, 700);
    }

    function check(now) {
      lastChecked = now;
      api("POST", config.api + "/check", {data: JSON.parse(now)}).then(function (r) {
        if (JSON.stringify(fromForm(editor.getValue())) !== now) return;  // typed on meanwhile
        show(r.body.problems || [], r.status === 200);
      });
    }

    function show(problems, quiet) {
      serverProblems = {};
      notes = {};
      var loose = [];
      problems.forEach(function (p) {
        var text = p.message;  // as `handbook check` prints it (its 提示/草稿 label included)
        if (p.severity === "note") notes[text] = true;
        var path = p.field ? placeAt(p.field) : null;
        if (path) (serverProblems[path] = serverProblems[path] || []).push(text);
        else loose.push(text);
      });
      editor.onChange();  // validates again: the custom validator shows each problem at its field
      var errors = problems.filter(function (p) { return p.severity !== "note"; }).length;
      if (quiet && !loose.length) { summary([]); return; }
      var head = errors ? ["有 " + errors + " 个问题要改正" + (loose.length ? "：" : "，见标红的各栏。")] : [];
      summary(head.concat(loose).length ? head.concat(loose) : [], false);
    }

    /* Each field's problems as `handbook check` words them, one a line (the library would join them with ". "
       and end them with its own "."); a note is advice, not an error: at its field, but not in red. */
    function renderErrors() {
      var byPath = {};
      (editor.validate() || []).forEach(function (e) { (byPath[e.path] = byPath[e.path] || []).push(e.message); });
      document.querySelectorAll("#editor .errmsg").forEach(function (node) {
        var holder = node.closest("[data-schemapath]");
        var messages = holder ? byPath[holder.getAttribute("data-schemapath")] : null;
        if (messages) node.textContent = messages.join("\n");
        node.classList.toggle("note", !!messages && messages.every(function (m) { return notes.hasOwnProperty(m); }));
      });
      document.querySelectorAll("#editor p[style*='red']").forEach(function (node) {
        node.classList.toggle("note", notes.hasOwnProperty(node.textContent));
      });
    }

    function firstProblem() {
      var marked = Array.prototype.find.call(document.querySelectorAll("#editor .errmsg, #editor p[style*='red']"),
        function (node) { return node.offsetParent && node.textContent && !node.classList.contains("note"); });
      (marked || document.getElementById("summary")).scrollIntoView({block: "center"});
    }

    function placeAt(field) {
      var parts = field.split(".").map(function (part) { return part === "heading" ? "text" : part; });
      if (KIND === "roles" && parts[0] === "duties" && /^\d+$/.test(parts[parts.length - 1])) parts.push("text");
      while (parts.length) {
        var path = "root." + parts.join(".");
        if (editor.getEditor(path)) return path;
        parts.pop();
      }
      return null;
    }

    document.getElementById("save").addEventListener("click", function () { save(false); });
    document.getElementById("take-theirs").addEventListener("click", function () { location.reload(); });

    function save(overwrite) {
      var data = fromForm(editor.getValue());
      statusNode.textContent = "正在检查并保存……";
      api("PUT", config.api, {data: data}, {"If-Match": '"' + (overwrite ? overwrite : etag) + '"'}).then(function (r) {
        statusNode.textContent = "";
        if (r.status === 200) {
          etag = r.body.etag;
          document.getElementById("conflict").hidden = true;
          lastChecked = JSON.stringify(data);
          show(r.body.problems || [], true);
          offer(r.body.offer);
          statusNode.textContent = "已保存。预览页面会自动更新。" +
            (r.body.offer ? "建议发布新版本 " + r.body.offer.version + "（见本页顶部）。" : "");
        } else if (r.status === 409) {
          conflict(data, r.body);
        } else if (r.status === 422) {
          show(r.body.problems || [], false);
          statusNode.textContent = "没有保存：请先改正标出的问题。";
          setTimeout(firstProblem, 100);  // (after the library has drawn them)
        } else {
          summary(problemLines(r.body));
          statusNode.textContent = "没有保存。";
        }
      });
    }

    /* a published item whose content changed since the last commit: its next version and 修订记录 row */
    function offer(offered) {
      var box = document.getElementById("offer");
      box.hidden = !offered;
      if (!offered) return;
      document.getElementById("offer-text").textContent = "内容与上次提交的版本相比有修改。建议发布新版本 " +
        offered.version + "，并在修订记录中加一行：" + offered.changes.join("；");
      document.getElementById("take-offer").onclick = function () {
        editor.setValue(toForm(offered.data));
        box.hidden = true;
        save(false);
      };
    }

    function conflict(mine, current) {
      var rows = document.getElementById("conflict-rows");
      rows.replaceChildren();
      var a = flatten(current.yours || mine, ""), b = flatten(current.data || {}, "");
      Object.keys(Object.assign({}, a, b)).forEach(function (path) {
        if ((a[path] || "") === (b[path] || "")) return;
        var tr = el("tr");
        tr.appendChild(el("th", label(path)));
        tr.appendChild(el("td", shown(path, a[path])));
        tr.appendChild(el("td", shown(path, b[path])));
        rows.appendChild(tr);
      });
      var box = document.getElementById("conflict");
      box.hidden = false;
      document.getElementById("keep-mine").onclick = function () { save(current.etag); };
      box.scrollIntoView();
      statusNode.textContent = "没有保存：文件已被修改。";
    }

    function field(path) {  /* (the form's schema of a path of the file's data, its words) */
      var schema = config.schema, words = [];
      path.split(".").forEach(function (part) {
        if (/^\d+$/.test(part)) { words.push("第 " + (Number(part) + 1) + " 项"); schema = (schema || {}).items; return; }
        if (part === "heading") part = "text";
        var next = schema && schema.properties ? schema.properties[part] : null;
        words.push(next && next.title ? next.title : "");
        schema = next;
      });
      return {schema: schema || {}, words: words.filter(Boolean).join(" › ")};
    }

    function label(path) { return field(path).words; }

    function shown(path, value) {  /* a value as the form shows it: a choice by its Chinese name */
      if (value === undefined || value === "") return "（无）";
      var schema = field(path).schema, at = (schema.enum || []).indexOf(value);
      return at >= 0 && schema.options && schema.options.enum_titles ? schema.options.enum_titles[at] : value;
    }

    /* roles: duties in one shape in the form; KPIs pick them by their text */
    function toForm(data) {
      data = emptyLists(JSON.parse(JSON.stringify(data)), config.schema);
      if (KIND === "roles") {
        data.duties = (data.duties || []).map(dutyToForm);
        data._duty_choices = choices(data.duties);
      }
      return data;
    }

    /* a list the file leaves empty (`duties:`) as an empty list: the library would make it one row of nothing */
    function emptyLists(value, schema) {
      if (!schema) return value;
      if (value === null) return schema.type === "array" ? [] : value;
      if (Array.isArray(value)) return value.map(function (item) { return emptyLists(item, schema.items); });
      if (typeof value === "object") Object.keys(value).forEach(function (key) {
        value[key] = emptyLists(value[key], (schema.properties || {})[key]);
      });
      return value;
    }

    function dutyToForm(entry) {
      if (typeof entry === "string") return {text: entry, id: ""};
      var out = {text: entry.heading !== undefined ? entry.heading : entry.text, id: entry.id || ""};
      if (entry.duties) out.duties = entry.duties.map(dutyToForm);
      return out;
    }

    function dutyFromForm(entry) {
      var sub = (entry.duties || []).map(dutyFromForm);
      if (sub.length) {
        var group = {heading: entry.text};
        if (entry.id) group.id = entry.id;
        group.duties = sub;
        return group;
      }
      return entry.id ? {id: entry.id, text: entry.text} : entry.text;
    }

    function fromForm(value) {
      value = JSON.parse(JSON.stringify(value));
      if (KIND === "roles") {
        value.duties = (value.duties || []).map(dutyFromForm);
        delete value._duty_choices;
      }
      return value;
    }

    function choices(duties, out) {
      out = out || [];
      (duties || []).forEach(function (d) {
        out.push({key: d.id || d.text, text: d.text});
        choices(d.duties, out);
      });
      return out;
    }

    function refreshChoices() {
      var value = editor.getValue(), now = choices(value.duties);
      if (JSON.stringify(now) !== JSON.stringify(value._duty_choices)) editor.getEditor("root._duty_choices").setValue(now);
    }

    function showWeights() {
      var items = editor.getEditor("root.kpis.items"), box = document.getElementById("weights");
      if (!items) return;
      var total = (items.getValue() || []).reduce(function (sum, kpi) { return sum + (Number(kpi.weight) || 0); }, 0);
      total = Math.round(total * 100) / 100;
      box.textContent = "指标权重合计：" + total + "%" + (total === 100 ? "" : "（应为 100%）");
      box.className = "weights " + (total === 100 ? "ok" : "bad");
      box.hidden = false;
      if (box.parentNode !== items.container) items.container.insertBefore(box, items.container.firstChild);
    }
  }

  /* Text fields keep what HR types, markup included: the library's own text editor strips tags (and parses
     them as HTML to do so); content is data, stored and shown literally. A date left empty is no mistake
     (the library would call it one: "" is not YYYY-MM-DD; the browser's date picker gives nothing else).
     A custom editor is the library's documented way to change how a field is edited. */
  function literalTexts() {
    if (JSONEditor.defaults.editors.literal) return;
    JSONEditor.defaults.editors.literal = class extends JSONEditor.defaults.editors.string {
      purify(value) { return value; }
      showValidationErrors(errors) {
        var empty = this.schema.format === "date" && this.getValue() === "", path = this.path;
        super.showValidationErrors(empty ? errors.filter(function (e) {
          return !(e.path === path && e.property === "format");
        }) : errors);
      }
    };
    JSONEditor.defaults.resolvers.unshift(function (schema) {
      if (schema.type === "string" && !schema.enum && !schema.enumSource && !schema.media) return "literal";
    });
  }

  function flatten(value, prefix, out) {
    out = out || {};
    if (value !== null && typeof value === "object") {
      Object.keys(value).forEach(function (key) { flatten(value[key], prefix ? prefix + "." + key : key, out); });
    } else {
      out[prefix] = value === null ? "" : String(value);
    }
    return out;
  }

  /* ---------------------------------------------------------------- 新建岗位 */

  var newRole = document.getElementById("new-role");
  if (newRole) document.getElementById("create").addEventListener("click", function () {
    var body = {};
    ["title", "department", "reports_to", "reports_to_title"].forEach(function (name) {
      body[name] = newRole.elements[name].value;
    });
    api("POST", "/_edit/api/roles", body).then(function (r) {
      if (r.status === 201) location.href = "/_edit/roles/" + encodeURIComponent(r.body.id);
      else summary(problemLines(r.body));
    });
  });

  /* ---------------------------------------------------------------- 导入 Word */

  var importForm = document.getElementById("import");
  if (importForm) {
    var upload = null;
    document.getElementById("upload").addEventListener("click", function () {
      var file = importForm.elements.file.files[0];
      if (!file) return;
      api("POST", "/_edit/api/import", file, {"X-Filename": encodeURIComponent(file.name)}).then(function (r) {
        var section = document.getElementById("import-report");
        section.hidden = false;
        document.getElementById("report-lines").textContent = (r.body.report || problemLines(r.body)).join("\n");
        upload = r.status === 200 && r.body.ok && r.body.files.length ? r.body.upload : null;
        document.getElementById("apply").hidden = !upload;
      });
    });
    document.getElementById("apply").addEventListener("click", function () {
      api("POST", "/_edit/api/import/" + upload + "/apply").then(function (r) {
        document.getElementById("report-lines").textContent = (r.body.report || problemLines(r.body)).join("\n");
        document.getElementById("apply").hidden = true;
      });
    });
  }

  /* ---------------------------------------------------------------- 待提交的修改 */

  var changes = document.getElementById("changes");
  if (changes) {
    var load = function () {
      api("GET", "/_edit/api/changes").then(function (r) {
        changes.replaceChildren();
        var body = r.body, commit = document.getElementById("commit");
        if (body.note) changes.appendChild(el("p", body.note, "none"));
        if (!body.files || !body.files.length) {
          if (body.git !== false) changes.appendChild(el("p", "没有待提交的修改。", "none"));
          commit.hidden = true;
          return;
        }
        body.files.forEach(function (file) {
          var box = el("section", null, "file");
          var head = el("h2", file.label + (file.title ? " · " + file.title : "") + "（" + file.status + "）");
          box.appendChild(head);
          box.appendChild(el("p", file.path, "path"));
          var list = el("ul");  // (no lines and a note: the changes could not be worded, the note says why)
          (file.changes.length || body.note ? file.changes : ["（内容没有变化：只改了格式或注释）"]).forEach(function (line) {
            list.appendChild(el("li", line));
          });
          box.appendChild(list);
          var discard = el("button", "放弃修改");
          discard.type = "button";
          discard.addEventListener("click", function () {
            if (!confirm("放弃对 " + file.path + " 的修改？此操作不能撤销。")) return;
            api("POST", "/_edit/api/changes/discard", {path: file.path}).then(load);
          });
          box.appendChild(discard);
          changes.appendChild(box);
        });
        commit.hidden = false;
      });
    };
    load();
    var form = document.getElementById("commit");
    var author = form.elements.author;
    if (author) author.value = localStorage.getItem("handbook-author") || "";
    document.getElementById("do-commit").addEventListener("click", function () {
      var body = {message: form.elements.message.value};
      if (author) { body.author = author.value; localStorage.setItem("handbook-author", author.value); }
      api("POST", "/_edit/api/commit", body).then(function (r) {
        if (r.status === 200) { summary(["已提交（" + r.body.commit.slice(0, 7) + "）。"], true); form.elements.message.value = ""; load(); }
        else summary(problemLines(r.body));
      });
    });
  }

  /* ---------------------------------------------------------------- 登录 */

  var login = document.getElementById("login");
  if (login) document.getElementById("do-login").addEventListener("click", function () {
    api("POST", "/_edit/login", {name: login.elements.name.value, password: login.elements.password.value}).then(function (r) {
      if (r.status === 200) location.href = new URLSearchParams(location.search).get("next") || "/_edit/overview";
      else summary(problemLines(r.body));
    });
  });

  /* ---------------------------------------------------------------- json-editor in Chinese */

  var ZH = {
    error_notset: "必须填写", error_notempty: "必须填写", error_enum: "请从列表中选择", error_const: "值不符合要求",
    error_anyOf: "值不符合要求", error_oneOf: "值不符合要求", error_not: "值不符合要求",
    error_type_union: "类型不对", error_type: "应为 {{0}}", error_disallow_union: "类型不对", error_disallow: "不能是 {{0}}",
    error_multipleOf: "应为 {{0}} 的倍数", error_maximum_excl: "应小于 {{0}}", error_maximum_incl: "不能大于 {{0}}",
    error_minimum_excl: "应大于 {{0}}", error_minimum_incl: "不能小于 {{0}}", error_maxLength: "最多 {{0}} 个字",
    error_contains: "缺少要求的项", error_minContains: "至少 {{1}} 项", error_maxContains: "最多 {{1}} 项",
    error_minLength: "至少 {{0}} 个字", error_pattern: "格式不对", error_additionalItems: "多出的项",
    error_maxItems: "最多 {{0}} 项", error_minItems: "至少 {{0}} 项", error_uniqueItems: "有重复的项",
    error_maxProperties: "项目太多", error_minProperties: "项目太少", error_required: "缺少必填项",
    error_additional_properties: "有多余的项目", error_property_names_exceeds_maxlength: "名称太长",
    error_property_names_enum_mismatch: "名称不对", error_property_names_const_mismatch: "名称不对",
    error_property_names_pattern_mismatch: "名称不对", error_property_names_false: "名称不对",
    error_property_names_maxlength: "名称不对", error_property_names_enum: "名称不对", error_property_names_pattern: "名称不对",
    error_property_names_unsupported: "名称不对", error_dependency: "缺少相关项", error_date: "日期格式应为 {{0}}",
    error_time: "时间格式应为 {{0}}", error_datetime_local: "日期时间格式应为 {{0}}", error_invalid_epoch: "日期不对",
    error_ipv4: "地址格式不对", error_ipv6: "地址格式不对", error_hostname: "主机名格式不对",
    upload_max_size: "文件太大，最大 ", upload_wrong_file_format: "文件类型不对，允许：",
    button_save: "保存", button_copy: "复制", button_cancel: "取消", button_add: "添加", button_delete_all: "全部",
    button_delete_all_title: "全部删除", button_delete_last: "最后一项", button_delete_last_title: "删除最后一项",
    button_add_row_title: "添加{{0}}", button_move_down_title: "下移", button_move_up_title: "上移",
    button_properties: "项目", button_object_properties: "项目", button_copy_row_title: "复制{{0}}",
    button_delete_row_title: "删除{{0}}", button_delete_row_title_short: "删除", button_copy_row_title_short: "复制",
    button_collapse: "收起", button_expand: "展开", button_edit_json: "编辑", button_upload: "上传",
    flatpickr_toggle_button: "选择", flatpickr_clear_button: "清除", choices_placeholder_text: "输入后添加",
    default_array_item_title: "项", button_delete_node_warning: "确定删除这一项吗？", table_controls: "操作",
    paste_max_length_reached: "粘贴的文字超过 {{0}} 个字，已截断。"
  };

  var configNode = document.getElementById("editor-config");
  if (configNode) formPage(JSON.parse(configNode.textContent));
})();

/* Chinese search that ranks like a person expects, beside the theme's own search (its files untouched).

   The theme's search worker splits a Chinese query into words of its index but never looks at the
   query's last character: 大客户 is searched as 大* (every word starting with 大, 大区经理 first) and
   销售部经理 as 销售部*. So each query is rewritten here before the page hands it to the worker: the
   longest index words from left to right, the whole query (searched as a prefix), and the whole query
   boosted (^5), so that 大客户 finds 大客户经理 first and 销售部经理 ranks the role named so above
   销售部经理助理 (role names are whole words of the index: generator/site/publish.py). Each Chinese
   character after a term's first is escaped ("\", lunr's query syntax), so the worker's own splitting,
   which acts on runs of Chinese characters only, leaves the terms whole. The index words come from the
   index the page sends the worker (its set-up message), which is why this script runs in the page's head,
   before the theme's (mkdocs.yml: extra.polyfills). Nothing happens for any other worker.

   Results show Chinese text with U+200B between its words (how the index marks them): they are taken
   out as results are shown, so copied text is plain. */
(function () {
  var SETUP = 0, QUERY = 2;  /* the theme's messages to its search worker */
  var HAN = /\p{Script=Han}+/gu;
  var setups = new WeakMap(), vocabularies = new WeakMap();

  function vocabulary(worker) {
    if (!vocabularies.has(worker)) {
      var data = setups.get(worker), separator = new RegExp(data.config.separator), words = new Set();
      data.docs.forEach(function (doc) {
        [doc.title, doc.text].concat(doc.tags || []).forEach(function (field) {
          String(field || "").replace(/<[^>]*>/g, " ").toLowerCase().split(separator).forEach(function (word) {
            if (word) words.add(word);
          });
        });
      });
      vocabularies.set(worker, words);
    }
    return vocabularies.get(worker);
  }

  /* One run of Chinese characters → its index words, itself, itself boosted. Single characters are
     searched only as the whole query: "大" alone would match every word that starts with 大. */
  function terms(query, words) {
    var found = [];
    function wordEnd(start) {
      for (var end = query.length; end > start; end--)
        if (end - start < query.length && words.has(query.slice(start, end))) return end;
      return 0;
    }
    for (var i = 0; i < query.length;) {
      var end = wordEnd(i);
      if (!end) for (end = i + 1; end < query.length && !wordEnd(end); end++);
      if (end - i > 1 && end - i < query.length) found.push(query.slice(i, end));
      i = end;
    }
    return found.concat([query, query + "^5"]).map(function (term) {
      return term.replace(/\p{Script=Han}/gu, function (ch, at) { return at ? "\\" + ch : ch; });
    }).join(" ");
  }

  var Worker = window.Worker;  /* under file:// the iframe-worker shim's, set in the page's head */
  if (Worker && Worker.prototype && Worker.prototype.postMessage) {
    var post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message) {
      var args = Array.prototype.slice.call(arguments);
      if (message && message.type === SETUP && message.data && message.data.config && Array.isArray(message.data.docs))
        setups.set(this, message.data);
      else if (message && message.type === QUERY && typeof message.data === "string" && setups.has(this)) {
        var words = vocabulary(this);
        args[0] = { type: QUERY, data: message.data.replace(HAN, function (run) { return terms(run, words); }) };
      }
      return post.apply(this, args);
    };
  }

  /* U+200B out of the results as they are shown. */
  var ZWSP = /\u200b/g;
  function clean(node) {
    if (node.nodeType === 3) {
      if (node.nodeValue.indexOf("\u200b") >= 0) node.nodeValue = node.nodeValue.replace(ZWSP, "");
      return;
    }
    if (node.nodeType !== 1) return;
    var walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (var text = walker.nextNode(); text; text = walker.nextNode())
      if (text.nodeValue.indexOf("\u200b") >= 0) text.nodeValue = text.nodeValue.replace(ZWSP, "");
  }
  function start() {
    var results = document.querySelector(".md-search-result");
    if (!results || !window.MutationObserver) return;
    new MutationObserver(function (mutations) {
      mutations.forEach(function (mutation) { mutation.addedNodes.forEach(clean); });
    }).observe(results, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

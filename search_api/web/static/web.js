// Progressive enhancement only: every page works without this file.
// Upload: drag and drop of files and folders, one request per file so each has its own progress bar.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  const form = document.getElementById("upload-form");
  if (!form) return;
  const drop = document.getElementById("drop");
  const inputs = form.querySelectorAll('input[type="file"]');
  const table = document.querySelector("#outcomes tbody");
  const section = document.getElementById("outcomes-section");
  let dropped = [];

  function walk(entry, path) {  // a dropped folder: read it recursively
    return new Promise(function (resolve) {
      if (entry.isFile) {
        entry.file(function (file) { resolve([{ file: file, name: path + file.name }]); }, function () { resolve([]); });
      } else if (entry.isDirectory) {
        const reader = entry.createReader();
        let all = [];
        (function more() {
          reader.readEntries(function (entries) {
            if (!entries.length) {
              Promise.all(all.map(function (e) { return walk(e, path + entry.name + "/"); }))
                .then(function (lists) { resolve([].concat.apply([], lists)); });
            } else { all = all.concat(Array.from(entries)); more(); }
          }, function () { resolve([]); });
        })();
      } else { resolve([]); }
    });
  }

  if (drop) {
    ["dragenter", "dragover"].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      drop.addEventListener(t, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      const items = Array.from(e.dataTransfer.items || []);
      const entries = items.map(function (i) { return i.webkitGetAsEntry && i.webkitGetAsEntry(); }).filter(Boolean);
      Promise.all(entries.map(function (en) { return walk(en, ""); })).then(function (lists) {
        dropped = dropped.concat([].concat.apply([], lists));
        drop.querySelector(".hint").textContent = dropped.length + " ✓";
      });
    });
  }

  function chosen() {
    let files = dropped.slice();
    inputs.forEach(function (input) {
      Array.from(input.files).forEach(function (f) { files.push({ file: f, name: f.webkitRelativePath || f.name }); });
    });
    return files;
  }

  function row(name) {
    const tr = document.createElement("tr");
    const cells = [document.createElement("td"), document.createElement("td"), document.createElement("td")];
    cells[0].textContent = name;
    const bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    cells[1].appendChild(bar);
    cells.forEach(function (c) { tr.appendChild(c); });
    table.appendChild(tr);
    return { tr: tr, bar: bar };
  }

  function send(entry) {
    return new Promise(function (resolve) {
      const r = row(entry.name);
      const data = new FormData();
      form.querySelectorAll("input:not([type=file]), select, textarea").forEach(function (el) {
        if (el.name && el.value) data.append(el.name, el.value);
      });
      data.append("file", entry.file, entry.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("HX-Request", "true");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) r.bar.value = Math.round(99 * e.loaded / e.total);
      });
      xhr.onload = function () {
        const holder = document.createElement("tbody");
        holder.innerHTML = xhr.responseText;  // our own server's escaped HTML rows
        const rows = Array.from(holder.children);
        rows.forEach(function (tr) { table.insertBefore(tr, r.tr); });
        table.removeChild(r.tr);
        resolve();
      };
      xhr.onerror = function () { r.tr.classList.add("bad"); r.tr.lastChild.textContent = "✗"; resolve(); };
      xhr.send(data);
    });
  }

  form.addEventListener("submit", function (e) {
    const files = chosen();
    if (!files.length) return;  // let the server say that nothing was chosen
    e.preventDefault();
    section.classList.remove("js-hidden");
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    let chain = Promise.resolve();
    files.forEach(function (f) { chain = chain.then(function () { return send(f); }); });
    chain.then(function () {
      button.disabled = false;
      dropped = [];
      inputs.forEach(function (input) { input.value = ""; });
      section.setAttribute("data-done", "true");
    });
  });
})();

// The bundle export: fetch it, show that work is going on, then save it. Without JavaScript the form posts and
// the browser downloads the answer itself.
document.addEventListener("submit", function (e) {
  const form = e.target;
  if (!form.classList || !form.classList.contains("export-form") || !window.fetch) return;
  e.preventDefault();
  const button = form.querySelector("button");
  form.classList.add("working");
  button.disabled = true;
  fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
    .then(function (response) {
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("application/zip") !== 0) {  // refused: show the page it came back with
        return response.text().then(function (html) { document.open(); document.write(html); document.close(); });
      }
      const match = /filename="?([^";]+)"?/.exec(response.headers.get("Content-Disposition") || "");
      return response.blob().then(function (blob) {
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = match ? match[1] : "bundle.zip";
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      });
    })
    .catch(function () { window.location.reload(); })
    .finally(function () { form.classList.remove("working"); button.disabled = false; });
});

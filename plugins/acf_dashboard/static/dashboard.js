// Content Factory dashboard: live regions, the video player, and the creator's actions.
// Pages are server-rendered; a region marked data-refresh is re-fetched every data-every ms (the same
// page with part=live) and swapped in when its version changed, so runs, renders, approvals and
// statuses move without a reload. "Make this" and Approve / Reject call Airflow's REST API with the
// signed-in user's own login (the UI's cookie, sent because the dashboard is served by the same API
// server), exactly as Airflow's UI calls it.
(function () {
  "use strict";
  var body = document.body;
  var airflow = body.getAttribute("data-airflow") || "";
  var regions = Array.prototype.slice.call(document.querySelectorAll("[data-refresh]"));

  function busy(region) {
    if (document.hidden || region.hasAttribute("data-busy")) { return true; }
    var active = document.activeElement;
    if (active && region.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) { return true; }
    var typed = Array.prototype.some.call(region.querySelectorAll("input[type=text]"), function (i) { return i.value; });
    var playing = Array.prototype.some.call(region.querySelectorAll("video"), function (v) { return !v.paused; });
    return typed || playing;
  }

  function refresh(region) {
    if (busy(region)) { return Promise.resolve(); }
    return fetch(region.getAttribute("data-refresh"), {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (!response.ok) { return; }
        var version = response.headers.get("X-Live-Version");
        return response.text().then(function (html) {
          if (version && version === region.getAttribute("data-version")) { return; }
          if (busy(region)) { return; }
          region.innerHTML = html;
          if (version) { region.setAttribute("data-version", version); }
        });
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  function refreshAll() { return Promise.all(regions.map(refresh)); }

  regions.forEach(function (region) {
    var every = parseInt(region.getAttribute("data-every"), 10) || 3000;
    setInterval(function () { refresh(region); }, every);
  });

  // The header's "N running" link (the Live page's count of runs in progress).
  var running = document.querySelector("[data-running]");
  function countRunning() {
    if (!running || document.hidden) { return; }
    fetch(running.getAttribute("data-running"), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        var total = parseInt(text, 10);
        if (isNaN(total)) { return; }
        running.textContent = total + " running";
        running.hidden = total === 0;
      })
      .catch(function () {});
  }
  countRunning();
  setInterval(countRunning, 5000);

  // --- the gallery's video player
  var dialog = document.getElementById("player");
  var video = document.getElementById("player-video");
  var title = document.getElementById("player-title");
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.play");
    if (!button || !dialog || !video) { return; }
    video.src = button.getAttribute("data-src");
    title.textContent = button.getAttribute("data-title") || "";
    if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    var playing = video.play();
    if (playing && playing.catch) {
      playing.catch(function () { video.muted = true; return video.play(); });
    }
  });
  if (dialog && video) {
    dialog.addEventListener("close", function () { video.pause(); video.removeAttribute("src"); video.load(); });
  }

  // --- actions
  function say(form, text, ok) {
    var status = form.querySelector(".action-status") ||
      (form.parentNode && form.parentNode.querySelector(".action-status"));
    if (!status) { return; }
    status.textContent = text;
    status.className = "action-status " + (ok ? "ok" : "error");
  }

  function refusal(response) {
    return response.json().then(function (payload) {
      var detail = payload && payload.detail;
      if (Array.isArray(detail)) {
        detail = detail.map(function (d) { return (d.loc || []).join(".") + ": " + d.msg; }).join("; ");
      }
      return response.status + " " + (typeof detail === "string" ? detail : JSON.stringify(detail || payload));
    }, function () { return String(response.status); });
  }

  function send(method, url, payload) {
    return fetch(url, {method: method, credentials: "same-origin",
                       headers: {"Content-Type": "application/json", "Accept": "application/json"},
                       body: JSON.stringify(payload)});
  }

  function checked(form, name) {
    return Array.prototype.map.call(form.querySelectorAll("input[name=" + name + "]:checked"),
                                    function (i) { return i.value; });
  }

  function makeThis(form, submitter) {
    var conf = {
      opportunity: form.getAttribute("data-opportunity"),
      tier: form.elements.tier.value,
      platforms: checked(form, "platforms"),
      aspect_ratios: checked(form, "aspect_ratios"),
      target_seconds: parseInt(form.elements.target_seconds.value, 10)
    };
    if (!conf.platforms.length || !conf.aspect_ratios.length) {
      say(form, "Choose at least one platform and one aspect.", false);
      return;
    }
    submitter.disabled = true;
    say(form, "Asking Airflow to start acf_production…", true);
    var dag = encodeURIComponent(form.getAttribute("data-dag"));
    send("POST", airflow + "/api/v2/dags/" + dag + "/dagRuns", {logical_date: null, conf: conf})
      .then(function (response) {
        if (!response.ok) {
          return refusal(response).then(function (why) { say(form, "Airflow refused the run: " + why, false); });
        }
        return response.json().then(function (run) {
          form.setAttribute("data-run-id", run.dag_run_id);
          say(form, "Run " + run.dag_run_id + " is " + run.state + ": it shows under Runs and pieces as it goes.",
              true);
          return refreshAll();
        });
      })
      .catch(function (err) { say(form, "Could not reach Airflow: " + err, false); })
      .then(function () { submitter.disabled = false; });
  }

  function skip(form, submitter) {
    var reason = form.elements.reason.value.trim();
    if (!reason) { say(form, "Say why you skip it.", false); return; }
    submitter.disabled = true;
    send("POST", form.getAttribute("data-url"), {reason: reason})
      .then(function (response) {
        if (!response.ok) {
          return refusal(response).then(function (why) {
            say(form, "Not skipped: " + why, false);
            submitter.disabled = false;
          });
        }
        window.location.reload();
      })
      .catch(function (err) { say(form, "Could not reach the dashboard: " + err, false); submitter.disabled = false; });
  }

  function answer(form, submitter) {
    var choice = submitter.value;
    var reason = form.elements.reason.value.trim();
    var reasonParam = form.getAttribute("data-reason-param");
    if (choice === "Reject" && !reason) { say(form, "Say why you reject it.", false); return; }
    var payload = {chosen_options: [choice]};
    if (reasonParam && reason) { payload.params_input = {}; payload.params_input[reasonParam] = reason; }
    var region = form.closest("[data-refresh]");
    if (region) { region.setAttribute("data-busy", ""); }
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
    say(form, "Sending your answer to Airflow…", true);
    send("PATCH", form.getAttribute("data-url"), payload)
      .then(function (response) {
        if (!response.ok) {
          return refusal(response).then(function (why) {
            say(form, "Airflow refused the answer: " + why, false);
            Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = false; });
          });
        }
        form.elements.reason.value = "";
        say(form, choice === "Approve" ? "Approved: the run publishes now." : "Rejected: nothing is posted.", true);
      })
      .catch(function (err) { say(form, "Could not reach Airflow: " + err, false); })
      .then(function () {
        if (region) { region.removeAttribute("data-busy"); }
        setTimeout(refreshAll, 1500);
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter || form.querySelector("button[type=submit]");
    if (form.id === "make") { event.preventDefault(); makeThis(form, submitter); }
    else if (form.id === "skip") { event.preventDefault(); skip(form, submitter); }
    else if (form.classList.contains("answer")) { event.preventDefault(); answer(form, submitter); }
  });
})();

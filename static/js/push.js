// The inbox page's "show my messages on this phone" button: registers the service worker, asks the
// browser for a push subscription with the site's public VAPID key, and hands it to the site.
(function () {
  const button = document.getElementById("push-enable");
  const status = document.getElementById("push-status");
  if (!button || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
  button.hidden = false;
  const key = button.dataset.key;
  const decode = (b64) => {
    const padded = (b64 + "===".slice((b64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const registration = await navigator.serviceWorker.register("/sw.js");
      const subscription = await registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: decode(key)});
      const response = await fetch(button.dataset.url, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": button.dataset.csrf},
        body: JSON.stringify(subscription),
      });
      const answer = await response.json();
      status.textContent = answer.message || "";
    } catch (e) {
      status.textContent = button.dataset.refused;
    }
    button.disabled = false;
  });
})();

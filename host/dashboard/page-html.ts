// The page's shell; the script (/app.js) draws everything from the live model.
export const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Colony dashboard</title>
<style>
body{font:14px system-ui,sans-serif;margin:0;background:#f5f6f8;color:#222}
header{background:#1f2d3d;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:baseline}
header h1{font-size:18px;margin:0}
main{display:grid;grid-template-columns:260px 1fr 1fr;gap:12px;padding:12px}
section{background:#fff;border-radius:6px;padding:8px 12px;box-shadow:0 1px 2px #0002;overflow:auto}
h2{font-size:15px;margin:4px 0 8px}
ul{list-style:none;margin:0;padding:0}
#devices li{padding:3px 6px;cursor:pointer;border-radius:4px;display:flex;justify-content:space-between}
#devices li:hover,#devices li.selected{background:#e3ecf7}
.lost{color:#b00}.halted,.refused,.rolled-back{color:#b00;font-weight:600}.done,.committed{color:#070}
#plan{height:220px}#rates{height:260px}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:2px 6px;border-bottom:1px solid #eee}
button{margin-right:6px}#action-result{margin-top:6px;min-height:1em}
.wide{grid-column:span 2}
</style></head>
<body><header><h1>Colony</h1><span id="site"></span><span id="key"></span><span id="count"></span></header>
<main>
<section style="grid-row:span 3"><h2>Devices</h2><ul id="devices"></ul></section>
<section><h2>Site plan</h2><div id="plan"></div></section>
<section><h2>Device</h2><div id="device">click a device</div></section>
<section class="wide"><h2>OTA rollouts</h2><div id="rollouts">none yet</div><div id="action-result"></div></section>
<section><h2>Messages per second</h2><div id="rates"></div></section>
<section><h2>Auctions</h2><div id="auctions">none yet</div><h2>Alerts</h2><ul id="alerts"></ul></section>
</main><script src="/app.js"></script></body></html>`;

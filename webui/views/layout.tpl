<!doctype html>
<html lang="{{t.html_lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · Callbox</title>
<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/css/app.css">
<script src="/static/js/app.js" defer></script>
% for name in scripts:
<script src="/static/js/{{name}}.js" defer></script>
% end
</head>
<body data-boot="{{boot}}" class="{{'signed-in' if user else 'signed-out'}}">
% if user:
<header class="topbar">
  <a class="brand" href="/"><img src="/static/img/logo.svg" alt="" width="26" height="26"><span>Callbox</span></a>
  <span class="live" id="live" data-state="connecting" hidden title="{{_('live.title')}}"><span class="dot"></span><span class="live-text">{{_('live.connecting')}}</span></span>
  <div class="topbar-right">
    <form method="post" action="/language" class="lang-switch" aria-label="{{_('header.language')}}">
      <input type="hidden" name="csrf_token" value="{{csrf}}">
      <input type="hidden" name="next" value="{{here}}">
      <button name="lang" value="en" class="{{'on' if t.lang == 'en' else ''}}" lang="en">English</button>
      <button name="lang" value="zh" class="{{'on' if t.lang == 'zh' else ''}}" lang="zh-CN">中文</button>
    </form>
    <span class="who"><span class="who-name">{{user.username}}</span><span class="role-badge">{{_('role.' + user.role)}}</span></span>
    <form method="post" action="/logout">
      <input type="hidden" name="csrf_token" value="{{csrf}}">
      <button class="btn btn-ghost" type="submit">{{_('header.sign_out')}}</button>
    </form>
  </div>
</header>
<div class="shell">
  <nav class="sidebar" aria-label="{{_('nav.label')}}">
  % for group in menu:
    <div class="nav-group">
      <div class="nav-title">{{_('nav.group.' + group.key)}}</div>
      % for item in group.pages:
      <a href="{{item.path}}" class="nav-link{{' active' if item.key == current else ''}}"{{!' aria-current="page"' if item.key == current else ''}}>
        <span>{{_('nav.' + item.key)}}</span>
      </a>
      % end
    </div>
  % end
  </nav>
  <main class="content" id="main">
    <div class="alert alert-error page-error" id="page-error" role="alert" hidden></div>
    {{!base}}
  </main>
</div>
<div class="toast" id="toast" role="status" aria-live="polite" hidden></div>
% else:
<div class="auth-shell">
  <form method="post" action="/language" class="lang-switch lang-corner" aria-label="{{_('header.language')}}">
    <input type="hidden" name="csrf_token" value="{{csrf}}">
    <input type="hidden" name="next" value="{{here}}">
    <button name="lang" value="en" class="{{'on' if t.lang == 'en' else ''}}" lang="en">English</button>
    <button name="lang" value="zh" class="{{'on' if t.lang == 'zh' else ''}}" lang="zh-CN">中文</button>
  </form>
  <main class="auth-card">
    <div class="auth-brand"><img src="/static/img/logo.svg" alt="" width="36" height="36"><span>Callbox</span></div>
    {{!base}}
  </main>
</div>
% end
</body>
</html>

import { TextRules } from '@relaydesk/protocol';

/**
 * A stored-XSS corpus of our own. Every payload, if the browser ever ran it, calls the page hook
 * `__xss(id)` with its own id (the test exposes the hook and fails if it is called), so a hit names
 * the payload that got through. Written for what RelayDesk renders: Markdown message bodies
 * (react-markdown), one-line texts (names, topics), attribute values (alt, aria-label, download).
 */

export interface Payload {
  id: string;
  family: Family;
  text: string;
}

export type Family =
  | 'script'
  | 'handler'
  | 'url'
  | 'md-image'
  | 'svg'
  | 'frame'
  | 'mxss'
  | 'breakout'
  | 'encoding'
  | 'markdown'
  | 'polyglot'
  | 'misc';

/** The call each payload makes; `id` is the payload's id. */
const hook = (id: string) => `__xss('${id}')`;

type Make = (h: string, id: string) => string;

const families: Record<Family, Make[]> = {
  script: [
    (h) => `<script>${h}</script>`,
    (h) => `<ScRiPt>${h}</sCrIpT>`,
    (h) => `<script type="text/javascript">${h}</script>`,
    (h) => `<script type="module">${h}</script>`,
    (h) => `<script>/*</script>*/${h}</script>`,
    (h) => `<<script>${h}//<</script>`,
    (h) => `<script/x>${h}</script>`,
    (h) => `<script\n>${h}</script\n>`,
    (h) => `<script src="data:text/javascript,${h}"></script>`,
    (h) => `<script src=data:,${h}></script>`,
    (h) => `<script>eval(atob('${Buffer.from(h).toString('base64')}'))</script>`,
    (h) => `<script>setTimeout(()=>${h})</script>`,
    (h) => `</p><script>${h}</script><p>`,
    (h) => `<scr<script>ipt>${h}</scr</script>ipt>`,
    (h) => `<script>\u2028${h}</script>`,
    (h) => `<script charset="utf-7">+ADw-script+AD4-${h}+ADw-/script+AD4-</script>`,
    (h) => `<div><script>${h}</script></div>`,
    (h) => `<script async defer>${h}</script>`,
  ],
  handler: [
    (h) => `<img src=x onerror=${h}>`,
    (h) => `<img src="x" onerror="${h}">`,
    (h) => `<IMG SRC=x OnErRoR=${h}>`,
    (h) => `<img/src=x/onerror=${h}>`,
    (h) => `<img src=x onerror\n=${h}>`,
    (h) => `<img src onerror=${h}>`,
    (h) => `<img src=x:x onerror=${h} alt=x>`,
    (h) => `<image src=x onerror=${h}>`,
    (h) => `<svg onload=${h}>`,
    (h) => `<svg/onload=${h}>`,
    (h) => `<body onload=${h}>`,
    (h) => `<body onpageshow=${h}>`,
    (h) => `<input autofocus onfocus=${h}>`,
    (h) => `<input onfocus=${h} autofocus>`,
    (h) => `<textarea autofocus onfocus=${h}></textarea>`,
    (h) => `<select autofocus onfocus=${h}></select>`,
    (h) => `<button autofocus onfocus=${h}>b</button>`,
    (h) => `<a href=# autofocus onfocus=${h}>a</a>`,
    (h) => `<div tabindex=1 autofocus onfocus=${h}>d</div>`,
    (h) => `<details open ontoggle=${h}>`,
    (h) => `<details ontoggle=${h} open><summary>s</summary></details>`,
    (h) => `<video src=x onerror=${h}></video>`,
    (h) => `<video><source onerror=${h}></video>`,
    (h) => `<audio src=x onerror=${h}></audio>`,
    (h) => `<iframe onload=${h}></iframe>`,
    (h) => `<object data=x onerror=${h}></object>`,
    (h) => `<marquee onstart=${h}>m</marquee>`,
    (h) => `<style onload=${h}></style>`,
    (h) => `<link rel=stylesheet href=x onerror=${h}>`,
    (h) => `<div onmouseover=${h} style="position:fixed;inset:0">hover</div>`,
    (h) => `<p onpointerenter=${h}>p</p>`,
    (h) => `<body onresize=${h}>`,
    (h) => `<form><button formaction="javascript:${h}" autofocus>f</button></form>`,
    (h) => `<input type=image src=x onerror=${h}>`,
    (h) => `<embed src=x onerror=${h}>`,
    (h) => `<track src=x onerror=${h}>`,
    (h) => `<img src=x onerror=${h}//`,
    (h) => `<img src=x onerror=eval(String.fromCharCode(${[...h].map((c) => c.charCodeAt(0)).join(',')}))>`,
    (h) => `<x onanimationstart=${h} style="animation:spin 1s">x</x>`,
    (h) => `<x contenteditable onfocus=${h} autofocus>x</x>`,
  ],
  url: [
    (h) => `[click](javascript:${h})`,
    (h) => `[click](JaVaScRiPt:${h})`,
    (h) => `[click](javascript://%0a${h})`,
    (h) => `[click]( javascript:${h} )`,
    (h) => `[click](<javascript:${h}>)`,
    (h) => `[click](javascript:${h} "title")`,
    (h) => `[click](java\tscript:${h})`,
    (h) => `[click](javascript&colon;${h})`,
    (h) => `[click](&#106;avascript:${h})`,
    (h) => `[click](&#x6A;&#x61;&#x76;&#x61;script:${h})`,
    (h) => `[click](%6Aavascript:${h})`,
    (h) => `[click](\\javascript:${h})`,
    (h) => `[click](data:text/html,<script>${h}</script>)`,
    (h) => `[click](data:text/html;base64,${Buffer.from(`<script>${h}</script>`).toString('base64')})`,
    (h) => `[click](DATA:text/html,<svg/onload=${h}>)`,
    (h) => `[click](vbscript:${h})`,
    (h) => `[click](VBScript:${h})`,
    (h) => `[click](livescript:${h})`,
    (h) => `[click](file:///etc/passwd#${h})`,
    (h) => `[click][r]\n\n[r]: javascript:${h}`,
    (h) => `[click][r2]\n\n[r2]: <javascript:${h}> "t"`,
    (h) => `<javascript:${h}>`,
    (h) => `<JAVASCRIPT:${h}>`,
    (h) => `<data:text/html,<script>${h}</script>>`,
    (h) => `<a href="javascript:${h}">raw link</a>`,
    (h) => `<a href=javascript&colon;${h}>raw link</a>`,
    (h) => `[click](javascript:/*-->*/${h})`,
    (h) => `[![img](javascript:${h})](javascript:${h})`,
    (h) => `[click](  \njavascript:${h})`,
    (h) => `[click](jav&#x09;ascript:${h})`,
  ],
  'md-image': [
    (h) => `![x](javascript:${h})`,
    (h) => `![x](x" onerror="${h})`,
    (h) => `![x](x' onerror='${h}')`,
    (h) => `![x" onerror="${h}](https://example.invalid/x.png)`,
    (h) => `![x](https://example.invalid/x.png"onerror="${h})`,
    (h) => `![x](https://example.invalid/x.png "t\\" onerror=\\"${h}")`,
    (h) => `![x](data:image/svg+xml,<svg/onload=${h}>)`,
    (h) => `![x](data:image/svg+xml;base64,${Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" onload="${h}"/>`).toString('base64')})`,
    (h) => `![<img src=x onerror=${h}>](x)`,
    (h) => `![x](<x onerror=${h}>)`,
    (h) => `[x](https://example.invalid/" onmouseover="${h})`,
    (h) => `[x](https://example.invalid/ "t" onmouseover="${h}")`,
    (h) => `![x][img]\n\n[img]: x" onerror="${h}`,
    (h) => `![](javascript:${h})`,
    (h) => `![x](vbscript:${h})`,
  ],
  svg: [
    (h) => `<svg><script>${h}</script></svg>`,
    (h) => `<svg><script href="data:,${h}"/></svg>`,
    (h) => `<svg><animate onbegin=${h} attributeName=x dur=1s>`,
    (h) => `<svg><set onbegin=${h} attributeName=x to=1>`,
    (h) => `<svg><a xlink:href="javascript:${h}"><text x=20 y=20>x</text></a></svg>`,
    (h) => `<svg><a><animate attributeName=href values=javascript:${h} /><text x=20 y=20>x</text></a></svg>`,
    (h) => `<svg><foreignObject><img src=x onerror=${h}></foreignObject></svg>`,
    (h) => `<svg><image href=x onerror=${h} /></svg>`,
    (h) => `<svg><use href="data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'><image href='1' onerror='${h}'/></svg>#x"/></svg>`,
    (h) => `<svg><style><img src=x onerror=${h}></style></svg>`,
    (h) => `<svg><title><img src=x onerror=${h}></title></svg>`,
    (h) => `<svg><desc><![CDATA[</desc><img src=x onerror=${h}>]]></svg>`,
    (h) => `<svg><handler xmlns:ev="http://www.w3.org/2001/xml-events" ev:event="load">${h}</handler></svg>`,
    (h) => `<svg><discard onbegin=${h}>`,
    (h) => `<svg viewBox="0 0 1 1" onfocusin=${h} tabindex=1><circle r=1 /></svg>`,
  ],
  frame: [
    (h) => `<iframe srcdoc="<script>${h}</script>"></iframe>`,
    (h) => `<iframe srcdoc="&lt;img src=x onerror=${h}&gt;"></iframe>`,
    (h) => `<iframe src="javascript:${h}"></iframe>`,
    (h) => `<iframe src="data:text/html,<script>${h}</script>"></iframe>`,
    (h) => `<iframe/src="javascript:${h}">`,
    (h) => `<frameset onload=${h}>`,
    (h) => `<object data="javascript:${h}"></object>`,
    (h) => `<object data="data:text/html,<script>${h}</script>"></object>`,
    (h) => `<embed src="javascript:${h}">`,
    (h) => `<embed src="data:text/html,<script>${h}</script>">`,
    (h) => `<portal src="javascript:${h}"></portal>`,
    (h) => `<iframe srcdoc='<svg onload=${h}>'>`,
  ],
  mxss: [
    (h) => `<noscript><p title="</noscript><img src=x onerror=${h}>">`,
    (h) => `<template><img src=x onerror=${h}></template>`,
    (h) => `<template><script>${h}</script></template>`,
    (h) => `<style></style><img src=x onerror=${h}>`,
    (h) => `<style><img src=x onerror=${h}></style>`,
    (h) => `<style>*{}</style><style>@import 'data:,';</style><svg onload=${h}>`,
    (h) => `<textarea></textarea><img src=x onerror=${h}>`,
    (h) => `<textarea><img src=x onerror=${h}></textarea>`,
    (h) => `<title></title><img src=x onerror=${h}>`,
    (h) => `<xmp><img src=x onerror=${h}></xmp>`,
    (h) => `<plaintext><img src=x onerror=${h}>`,
    (h) => `<noembed><img title="</noembed><img src=x onerror=${h}>">`,
    (h) => `<noframes><img title="</noframes><img src=x onerror=${h}>">`,
    (h) => `<iframe><img title="</iframe><img src=x onerror=${h}>"></iframe>`,
    (h) => `<math><mtext><table><mglyph><style><img src=x onerror=${h}>`,
    (h) => `<math><mi><mglyph><svg><mtext><textarea><path id="</textarea><img onerror=${h} src=1>">`,
    (h) => `<form><math><mtext></form><form><mglyph><style></math><img src onerror=${h}>`,
    (h) => `<svg></p><style><a id="</style><img src=1 onerror=${h}>">`,
    (h) => `<math><style><img src=x onerror=${h}></style></math>`,
    (h) => `<svg><p><style><img src=x onerror=${h}>`,
    (h) => `<!--><img src=x onerror=${h}>-->`,
    (h) => `<!-- --!><img src=x onerror=${h}>-->`,
    (h) => `<![CDATA[><img src=x onerror=${h}>]]>`,
    (h) => `<?xml version="1.0"?><img src=x onerror=${h}>`,
    (h) => `<a title="a<!--"><img src=x onerror=${h}>-->`,
    (h) => `<select><template><img src=x onerror=${h}></template></select>`,
    (h) => `<table><td><svg><img src=x onerror=${h}>`,
    (h) => `<keygen autofocus onfocus=${h}>`,
  ],
  breakout: [
    (h) => `"><img src=x onerror=${h}>`,
    (h) => `'><img src=x onerror=${h}>`,
    (h) => `"><script>${h}</script>`,
    (h) => `'><svg/onload=${h}>`,
    (h) => `" autofocus onfocus="${h}`,
    (h) => `' autofocus onfocus='${h}`,
    (h) => `" onmouseover="${h}" x="`,
    (h) => `\`><svg onload=${h}>`,
    (h) => `"/><svg/onload=${h}>`,
    (h) => `</textarea><img src=x onerror=${h}>`,
    (h) => `</title><img src=x onerror=${h}>`,
    (h) => `</script><script>${h}</script>`,
    (h) => `</style><img src=x onerror=${h}>`,
    (h) => `</option></select><img src=x onerror=${h}>`,
    (h) => `';${h};//`,
    (h) => `";${h};//`,
    (h) => `\${${h}}`,
    (h) => `{{constructor.constructor('${h.replace(/'/g, '"')}')()}}`,
  ],
  encoding: [
    (h) => `&lt;script&gt;${h}&lt;/script&gt;`,
    (h) => `&#60;img src=x onerror=${h}&#62;`,
    (h) => `&#x3C;img src=x onerror=${h}&#x3E;`,
    (h) => `\\u003cimg src=x onerror=${h}\\u003e`,
    (h) => `\\x3cscript\\x3e${h}\\x3c/script\\x3e`,
    (h) => `%3Cscript%3E${h}%3C%2Fscript%3E`,
    (h) => `\uFF1Cscript\uFF1E${h}\uFF1C/script\uFF1E`,
    (h) => `\u02C2script\u02C3${h}\u02C2/script\u02C3`,
    (h) => `<img src=x onerror=&#95;&#95;xss&#40;'${h.slice(7, -2)}'&#41;>`,
    (h) => `<img src=x onerror="\\u005f_xss('${h.slice(7, -2)}')">`,
    (h) => `<a href="&#x6a;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:${h}">ent</a>`,
    (h) => `<img src=x onerror=${h}\u200B>`,
    (h) => `<\u0131mg src=x onerror=${h}>`,
    (h) => `<img src=x one\u0072ror=${h}>`,
    (h) => `+ADw-script+AD4-${h}+ADw-/script+AD4-`,
    (h) => `&amp;lt;img src=x onerror=${h}&amp;gt;`,
  ],
  markdown: [
    (h) => `\`<img src=x onerror=${h}>\``,
    (h) => `\`\`<script>${h}</script>\`\``,
    (h) => `\`\`\`html\n<script>${h}</script>\n\`\`\``,
    (h) => `    <img src=x onerror=${h}>`,
    (h) => `# <script>${h}</script>`,
    (h) => `> <img src=x onerror=${h}>`,
    (h) => `- <svg onload=${h}>`,
    (h) => `1. <details open ontoggle=${h}>`,
    (h) => `*<img src=x onerror=${h}>*`,
    (h) => `**<svg/onload=${h}>**`,
    (h) => `<div>\n\n<img src=x onerror=${h}>\n\n</div>`,
    (h) => `[<img src=x onerror=${h}>](https://example.invalid/)`,
    (h) => `<https://example.invalid/"onmouseover="${h}>`,
    (h) => `<mailto:x@example.invalid"onmouseover="${h}>`,
    (h) => `https://example.invalid/<img src=x onerror=${h}>`,
    (h) => `[a](https://example.invalid/) <img src=x onerror=${h}>`,
    (h) => `\\<img src=x onerror=${h}>`,
    (h) => `| a | <img src=x onerror=${h}> |\n|---|---|\n| b | c |`,
    (h) => `Line one\n<img src=x onerror=${h}>`,
    (h) => `***\n<script>${h}</script>\n***`,
    (h) => `[x](#"><img src=x onerror=${h}>)`,
    (h) => `[x](/ "<img src=x onerror=${h}>")`,
  ],
  polyglot: [
    (h) => `jaVasCript:/*-/*\`/*\\\`/*'/*"/**/(/* */oNcliCk=${h} )//%0D%0A%0d%0a//</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=${h}//>\\x3e`,
    (h) => `'"--></style></script><svg onload=${h}>`,
    (h) => `"'><img src=x onerror=${h}><!--`,
    (h) => `-->'"/></sCript><deTailS open x=">" ontoggle=${h}>`,
    (h) => `</noscript></title></textarea></style></template></noembed></noframes></xmp><img src=x onerror=${h}>`,
    (h) => `javascript:"/*'/*\`/*--></noscript></title></textarea></style></template></noembed></script><html " onmouseover=/*&lt;svg/*/onload=${h}//>`,
    (h) => `';alert(String.fromCharCode(88));${h}//";${h}//--></SCRIPT>">'><SCRIPT>${h}</SCRIPT>`,
    (h) => `<svg/onload=${h}//<img src=x onerror=${h}>`,
    (h) => `[x](javascript:${h})<img src=x onerror=${h}>\`<svg onload=${h}>\``,
    (h) => `<<img src=x onerror=${h}>>`,
  ],
  misc: [
    (h) => `<meta http-equiv="refresh" content="0;url=javascript:${h}">`,
    (h) => `<base href="javascript:${h}//">`,
    (h) => `<link rel=import href="data:text/html,<script>${h}</script>">`,
    (h) => `<form action="javascript:${h}"><input type=submit autofocus></form>`,
    (h) => `<isindex action="javascript:${h}" type=image>`,
    (h) => `<math href="javascript:${h}">m</math>`,
    (h) => `<div style="background:url(javascript:${h})">css</div>`,
    (h) => `<div style="x:expression(${h})">css</div>`,
    (h) => `<style>@import 'javascript:${h}';</style>`,
    (h) => `<img src="x\` \`<script>${h}</script>"\` \`>`,
    (h) => `<a href="javascript:void(0)" ping="javascript:${h}">p</a>`,
    (h) => `<object type="text/x-scriptlet" data="javascript:${h}"></object>`,
    (h) => `<applet code="javascript:${h}"></applet>`,
    (h) => `<xss id=x tabindex=1 onfocus=${h}></xss>`,
    (h) => `<img srcset="x 1x" onerror=${h}>`,
    (h) => `<picture><source srcset=x><img src=x onerror=${h}></picture>`,
  ],
};

/** The whole corpus, ids like `handler-07`. */
export const PAYLOADS: readonly Payload[] = (Object.entries(families) as [Family, Make[]][]).flatMap(([family, makers]) =>
  makers.map((make, i) => {
    const id = `${family}-${String(i + 1).padStart(2, '0')}`;
    return { id, family, text: make(hook(id), id) };
  }),
);

/** The families and how many payloads each has. */
export const FAMILY_COUNTS: Readonly<Record<string, number>> = Object.fromEntries(Object.entries(families).map(([f, m]) => [f, m.length]));

/**
 * Payloads for a one-line field (names, topics): no line break or tab, at most `max` code points.
 * `noSpace` for reaction emoji (no whitespace at all), `noSlash` for file names (a `/` or `\` would
 * be taken for a directory and cut off).
 */
export function lineFit(max: number, options: { noSpace?: boolean; noSlash?: boolean } = {}): Payload[] {
  return PAYLOADS.filter(
    (p) =>
      !LINE_FORBIDDEN.test(p.text) &&
      [...p.text].length <= max &&
      p.text.trim() === p.text &&
      (!options.noSpace || !/\s/.test(p.text)) &&
      (!options.noSlash || !/[/\\]/.test(p.text)),
  );
}

/** What a one-line text may not contain (docs/text.md), from the protocol's own rule. */
const LINE_FORBIDDEN = new RegExp(`[${TextRules.lineForbidden}]`);

/** A payload with the same shape for another hook id, for one-line fields (each use its own id). */
export function retag(p: Payload, id: string): Payload {
  return { id, family: p.family, text: p.text.split(`'${p.id}'`).join(`'${id}'`) };
}

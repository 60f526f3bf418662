import { memo } from 'react';
import ReactMarkdown, { defaultUrlTransform, type Components } from 'react-markdown';

/**
 * Message bodies as Markdown without any way in for user HTML: raw HTML becomes plain text (never
 * parsed into the DOM; skipHtml is a second lock), React escapes every text node, and URLs go through
 * react-markdown's transform, which drops `javascript:`, `data:` and other unsafe protocols.
 * Images are not loaded (they would be a tracking pixel); their alt text is shown as a link.
 */
const components: Components = {
  a: ({ href, children }) =>
    href ? (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow ugc">
        {children}
      </a>
    ) : (
      <span>{children}</span>
    ),
  img: ({ src, alt }) => (typeof src === 'string' && src ? <a href={src} target="_blank" rel="noopener noreferrer nofollow ugc">{alt || src}</a> : <span>{alt}</span>),
  h1: 'strong',
  h2: 'strong',
  h3: 'strong',
  h4: 'strong',
  h5: 'strong',
  h6: 'strong',
};

/** Raw HTML in a message is shown as the text it is (like other chats do), never parsed. */
interface MdNode {
  type: string;
  children?: MdNode[];
}
function htmlAsText() {
  const walk = (node: MdNode) => {
    if (node.type === 'html') node.type = 'text';
    node.children?.forEach(walk);
  };
  return walk;
}
const remarkPlugins = [htmlAsText];

const urlTransform = (url: string) => {
  const safe = defaultUrlTransform(url);
  return /^(https?:|mailto:|#|\/)/i.test(safe) || !/^[a-z][a-z0-9+.-]*:/i.test(safe) ? safe : '';
};

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="md">
      <ReactMarkdown skipHtml remarkPlugins={remarkPlugins} urlTransform={urlTransform} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
});

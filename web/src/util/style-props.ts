/**
 * An element directive that sets inline style properties through the CSSOM (`el.style.setProperty`).
 * The GUI's CSP has no 'unsafe-inline' for styles, which blocks `style="…"` attributes — including
 * the first render of Lit's styleMap — but not CSSOM writes. Only our own computed values go here.
 */
import { noChange } from 'lit';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';

type Props = Readonly<Record<string, string>>;

class StyleProps extends Directive {
  #previous: Props = {};

  constructor(info: PartInfo) {
    super(info);
    if (info.type !== PartType.ELEMENT) throw new Error('styleProps goes on an element');
  }

  render(props: Props): unknown {
    void props; // applied in update(), through the CSSOM
    return noChange;
  }

  override update(part: ElementPart, [props]: [Props]): unknown {
    const style = (part.element as HTMLElement).style;
    for (const name of Object.keys(this.#previous))
      if (!(name in props)) style.removeProperty(name);
    for (const [name, value] of Object.entries(props))
      if (this.#previous[name] !== value) style.setProperty(name, value);
    this.#previous = props;
    return noChange;
  }
}

/** `<div ${styleProps({ 'grid-template-columns': '1fr 2fr' })}>` */
export const styleProps = directive(StyleProps);

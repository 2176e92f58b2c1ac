// Types for the three js-beautify entry points the highlight worker uses (no @types dependency).
declare module 'js-beautify' {
  interface BeautifyOptions {
    indent_size?: number;
    wrap_line_length?: number;
    preserve_newlines?: boolean;
    max_preserve_newlines?: number;
    unformatted?: string[];
    content_unformatted?: string[];
  }
  const beautify: {
    js(source: string, options?: BeautifyOptions): string;
    css(source: string, options?: BeautifyOptions): string;
    html(source: string, options?: BeautifyOptions): string;
  };
  export default beautify;
}

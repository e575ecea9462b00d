// htm turns tagged templates into Preact elements: components without a JSX compiler.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);

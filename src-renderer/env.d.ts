// Module shapes Vite provides to the renderer (stylesheets imported for their side effect).
declare module '*.css';

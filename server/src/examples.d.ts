// esbuild's text loader turns the embedded example logs into strings.
declare module '*.log' {
  const text: string;
  export default text;
}

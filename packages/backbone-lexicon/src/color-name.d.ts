// color-name 2.x ships ESM without types: a frozen record of CSS colour names to sRGB bytes.
declare module 'color-name' {
  const colors: Readonly<Record<string, readonly [r: number, g: number, b: number]>>
  export default colors
}

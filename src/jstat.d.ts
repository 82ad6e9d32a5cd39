// jstat ships no types (and @types/jstat is not maintained): only the functions src/stats uses.
declare module 'jstat' {
  interface Distribution {
    /** Cumulative distribution function. */
    cdf(x: number, ...params: number[]): number
    /** Probability density function. */
    pdf(x: number, ...params: number[]): number
    /** Inverse of the CDF. */
    inv(p: number, ...params: number[]): number
  }
  const jstat: {
    /** Student's t: cdf(x, dof), inv(p, dof). */
    studentt: Distribution
    /** Normal: cdf(x, mean, sd), inv(p, mean, sd). */
    normal: Distribution
    /** Chi-square: cdf(x, dof). */
    chisquare: Distribution
  }
  export default jstat
}

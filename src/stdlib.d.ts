// The @stdlib packages ship their own d.ts under docs/types; these shims keep NodeNext resolution simple.
declare module '@stdlib/stats-base-dists-t-quantile' {
  /** Quantile function of Student's t distribution with `v` degrees of freedom. */
  export default function quantile(p: number, v: number): number
}
declare module '@stdlib/stats-base-dists-t-cdf' {
  /** Cumulative distribution function of Student's t distribution with `v` degrees of freedom. */
  export default function cdf(x: number, v: number): number
}

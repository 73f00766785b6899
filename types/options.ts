/** Option values of spatial ops: one number for every axis, or a per-axis tuple. */
export type Spatial = number | readonly number[]

/** The value of a spatial option on axis I, or Default when the option is absent. */
export type AxisValue<V, I extends number, Default extends number> = V extends number
  ? V
  : V extends readonly number[]
    ? V[I] extends number ? V[I] : Default
    : Default

/** Names of the spatial dims, for messages: [N, C, L] or [N, C, H, W]. */
export type LayoutText<Rank extends number> = Rank extends 1 ? '[N, C, L]' : Rank extends 2 ? '[N, C, H, W]' : `[N, C, …${Rank} spatial dims]`

/**
 * Version of the two plugins and of their embedding space: plugins report it, stage-cache keys
 * include it and the space id names it. 0.2.0: the space's dimensions became the basic colour
 * terms (0.1.0 had one per CSS colour), so no 0.1.0 vector or cache entry may meet a 0.2.0 one. 0.3.0: the backbone discounts shading
 * before naming (`constancy: shading`), so its patch vectors differ from 0.2.0's.
 */
export const VERSION = '0.3.0'

/** `@plaf/bench`: benchmark runners (see bench/README.md). */
export {}

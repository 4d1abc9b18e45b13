/**
 * Go text/template, as Matchbox uses it: missingkey=error, Go's built-in
 * functions only, JSON-shaped data (numbers are float64).
 */
export { formatGoFloat, goPrint } from "./value.js";

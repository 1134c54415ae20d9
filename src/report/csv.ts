export { csvCell, csvLine } from '../csv/csv-line.js';

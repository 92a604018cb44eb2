"""Import building blocks: `reading` turns a CSV or XLSX file into rows of text cells,
`coercion` turns one cell's text into a typed value. Neither touches the database."""

/* plotly.js locale 'eo', from the npm package plotly.js-locales@3.7.0 (MIT, see ../LICENSE-locales); module.exports made a Plotly.register call for the browser. */


Plotly.register({
    moduleType: 'locale',
    name: 'eo',
    dictionary: {},
    format: {
        days: ['Dimanĉo', 'Lundo', 'Mardo', 'Merkredo', 'Ĵaŭdo', 'Vendredo', 'Sabato'],
        shortDays: ['Dim', 'Lun', 'Mar', 'Mer', 'Ĵaŭ', 'Ven', 'Sab'],
        months: [
            'Januaro', 'Februaro', 'Marto', 'Aprilo', 'Majo', 'Junio',
            'Julio', 'Aŭgusto', 'Septembro', 'Oktobro', 'Novembro', 'Decembro'
        ],
        shortMonths: [
            'Jan', 'Feb', 'Mar', 'Apr', 'Maj', 'Jun',
            'Jul', 'Aŭg', 'Sep', 'Okt', 'Nov', 'Dec'
        ],
        date: '%d/%m/%Y'
    }
});

module.exports = {
  displayName: 'alerting',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
